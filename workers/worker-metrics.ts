import { Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { envProblems } from '../client/temporal-connection.js';
import type { MemoryBudget } from './memory-budget.js';
import { WorkerConfigError } from './worker-env.js';

/**
 * Prometheus settings of a worker process. Unset ELO_METRICS_ADDRESS: no exporter (local runs,
 * tests). The chart sets it to 0.0.0.0:<metrics port>.
 */
export const MetricsEnvSchema = z.object({
  /** host:port the Prometheus endpoint (`/metrics`) binds to. */
  ELO_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:9464')
    .optional(),
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
export function startWorkerMetrics(env: NodeJS.ProcessEnv, memory: MemoryBudget): MetricsEnv {
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
  const gauge = (name: string, help: string) => meter.createGauge(name, 'int', 'bytes', help);
  const rss = gauge(
    'elo_worker_memory_rss_bytes',
    'resident memory of the worker process, training threads included (measured)',
  );
  const admitted = gauge(
    'elo_worker_memory_admitted_bytes',
    "the memory model's estimate of what the admitted stages hold, runtime included",
  );
  const budget = gauge(
    'elo_worker_memory_budget_bytes',
    'memory the worker admits stages into (ELO_MEMORY_BUDGET, else the machine or cgroup limit)',
  );
  const waiting = meter.createGauge(
    'elo_worker_stages_waiting_for_memory',
    'int',
    'stages',
    'stages that wait until the memory they need is free',
  );
  const sample = () => {
    const s = memory.snapshot();
    rss.set(process.memoryUsage.rss());
    admitted.set(s.inUseBytes);
    budget.set(s.budgetBytes);
    waiting.set(s.waiting);
  };
  sample();
  setInterval(sample, SAMPLE_MS).unref();
  return settings;
}
