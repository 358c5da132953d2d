import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/**
 * Worker settings from the environment. Every variable is optional; a bad value is reported with
 * its name (`ELO_CPU_CONCURRENCY: expected a positive integer`).
 */
export const WorkerEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** mTLS client certificate and key (PEM files), e.g. for Temporal Cloud. */
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  /** CA bundle for servers with a private CA. */
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  /** API-key auth (Temporal Cloud); implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Task queue names, to run several deployments (or tests) against one server. */
  ELO_CPU_QUEUE: z.string().min(1).optional(),
  ELO_GPU_QUEUE: z.string().min(1).optional(),
  /** Activities one cpu worker runs at once. */
  ELO_CPU_CONCURRENCY: positiveInt.default(4),
  /** Training stages at once on one gpu worker: one, the accelerator is not shared. */
  ELO_GPU_CONCURRENCY: positiveInt.default(1),
  /**
   * How long running activities may go on after SIGTERM before they are cancelled (they then
   * checkpoint and fail the attempt, which is retried on another worker). Default: at once.
   */
  ELO_SHUTDOWN_GRACE: z.string().min(1).default('0s'),
});
export type WorkerEnv = z.output<typeof WorkerEnvSchema>;

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

/** Parses the environment; the error names each bad variable and what was wrong. */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const relevant = Object.fromEntries(
    Object.keys(WorkerEnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = WorkerEnvSchema.safeParse(relevant);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  const [cert, key] = [relevant['TEMPORAL_TLS_CERT_PATH'], relevant['TEMPORAL_TLS_KEY_PATH']];
  if (Boolean(cert) !== Boolean(key)) {
    problems.push(
      `  ${cert ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'}: ` +
        'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together',
    );
  }
  if (parsed.success && problems.length === 0) return parsed.data;
  throw new WorkerConfigError(`worker settings are invalid:\n${problems.join('\n')}`);
}
