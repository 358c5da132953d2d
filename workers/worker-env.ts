import { z } from 'zod';
import { TemporalEnvSchema, envProblems } from '../pipeline/temporal-connection.js';

const positiveInt = z.coerce.number().int().positive();

/**
 * Worker settings from the environment: how to reach Temporal (TEMPORAL_*) plus the ELO_* worker
 * options. Every variable is optional; a bad value is reported with its name.
 */
export const WorkerEnvSchema = TemporalEnvSchema.extend({
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
  const { parsed, problems } = envProblems(WorkerEnvSchema, env);
  if (parsed.success && problems.length === 0) return parsed.data as WorkerEnv;
  throw new WorkerConfigError(`worker settings are invalid:\n${problems.join('\n')}`);
}
