import { z } from 'zod';
import { TemporalEnvSchema, envProblems } from '../client/temporal-connection.js';

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
  /**
   * Memory this worker process may fill with stages ("24GB", "16GiB", bytes); default what the
   * machine (or its cgroup) has. Stages are admitted while their estimates fit.
   */
  ELO_MEMORY_BUDGET: z
    .string()
    .transform((v, ctx) => {
      const bytes = parseByteSize(v);
      if (bytes === undefined)
        ctx.addIssue({ code: 'custom', message: `expected a size like 24GB or 16GiB, got ${v}` });
      return bytes ?? 0;
    })
    .optional(),
});

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** "24GB" (decimal), "16GiB" (binary), "8e9" or plain bytes; undefined when unreadable. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?(?:e[0-9]+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Number(m[1]) * unit;
  return bytes > 0 ? Math.round(bytes) : undefined;
}
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
