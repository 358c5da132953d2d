import os from 'node:os';
import { Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { envProblems } from '../pipeline/temporal-connection.js';
import { WorkerConfigError } from './worker-env.js';

/**
 * Prometheus settings of a worker process. Unset ELO_METRICS_ADDRESS: no exporter (local runs,
 * tests). The chart sets it to 0.0.0.0:<metrics port> and ELO_MEMORY_BUDGET to the pool's budget.
 */
export const MetricsEnvSchema = z.object({
  /** host:port the Prometheus endpoint (`/metrics`) binds to. */
  ELO_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:9464')
    .optional(),
  /** Bytes the worker's stages may hold (the memory model's budget); reported next to use. */
  ELO_MEMORY_BUDGET: z.coerce.number().int().positive().optional(),
});
export type MetricsEnv = z.output<typeof MetricsEnvSchema>;

/** How often process-level gauges (memory) are sampled; Prometheus scrapes every 15-60 s. */
const SAMPLE_MS = 5_000;

/**
 * Installs the Temporal SDK runtime with its Prometheus exporter, before any connection exists
 * (the runtime is process-wide and fixed at its first use), and samples memory in use vs budget.
 * The SDK's metrics (task slots, poll and schedule-to-start latencies, activity failures) and the
 * engine's (activities/training-metrics.ts) are served together on one endpoint.
 */
export function startWorkerMetrics(env: NodeJS.ProcessEnv = process.env): MetricsEnv {
  const { parsed, problems } = envProblems(MetricsEnvSchema, env);
  if (!parsed.success || problems.length)
    throw new WorkerConfigError(`worker metrics settings are invalid:\n${problems.join('\n')}`);
  const settings = parsed.data as MetricsEnv;
  if (!settings.ELO_METRICS_ADDRESS) return settings;
  Runtime.install({
    telemetryOptions: {
      metrics: {
        prometheus: { bindAddress: settings.ELO_METRICS_ADDRESS, useSecondsForDurations: true },
      },
    },
  });
  const meter = Runtime.instance().metricMeter;
  const rss = meter.createGauge(
    'elo_worker_memory_rss_bytes',
    'int',
    'bytes',
    'resident memory of the worker process, training threads included',
  );
  const budget = meter.createGauge(
    'elo_worker_memory_budget_bytes',
    'int',
    'bytes',
    'memory the worker admits stages into (ELO_MEMORY_BUDGET, else the container limit)',
  );
  const budgetBytes = settings.ELO_MEMORY_BUDGET ?? machineMemory();
  const sample = () => {
    rss.set(process.memoryUsage.rss());
    budget.set(budgetBytes);
  };
  sample();
  setInterval(sample, SAMPLE_MS).unref();
  return settings;
}

/** The container's memory limit where there is one (cgroups), else the machine's memory. */
function machineMemory(): number {
  const limit = process.constrainedMemory();
  return limit > 0 && limit < os.totalmem() ? limit : os.totalmem();
}
