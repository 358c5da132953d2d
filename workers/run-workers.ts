import { connectWorker } from './connect.js';
import { createWorkers, type WorkerRole } from './create-workers.js';
import { formatBytes } from '../engine/memory-model.js';
import { machineMemoryBytes, MemoryBudget } from './memory-budget.js';
import { workerEnv } from './worker-env.js';
import { startWorkerMetrics } from './worker-metrics.js';
import { STAGE_IMPLEMENTATIONS } from './stage-implementations.js';
import { workerStagePack } from './stage-pack.js';

/**
 * Runs the workers of a role until SIGINT/SIGTERM: the SDK's runtime then shuts every worker down,
 * running activities are cancelled (after ELO_SHUTDOWN_GRACE) so training checkpoints, and their
 * attempts are retried on another worker.
 */
export async function runWorkers(role: WorkerRole, env = process.env): Promise<void> {
  const settings = workerEnv(env);
  const memory = new MemoryBudget(settings.ELO_MEMORY_BUDGET ?? machineMemoryBytes());
  const pack = await workerStagePack(env);
  startWorkerMetrics(env, memory); // before the connection: it fixes the SDK runtime
  const connection = await connectWorker(settings.temporal);
  try {
    const workers = await createWorkers({
      memory,
      role,
      connection,
      namespace: settings.temporal.namespace,
      queues: {
        ...(settings.ELO_CPU_QUEUE ? { cpu: settings.ELO_CPU_QUEUE } : {}),
        ...(settings.ELO_GPU_QUEUE ? { gpu: settings.ELO_GPU_QUEUE } : {}),
      },
      concurrency: { cpu: settings.ELO_CPU_CONCURRENCY, gpu: settings.ELO_GPU_CONCURRENCY },
      shutdownGraceTime: settings.ELO_SHUTDOWN_GRACE,
      ...(pack
        ? {
            implementations: [...STAGE_IMPLEMENTATIONS, ...pack.implementations],
            workflows: { path: pack.workflowsPath, webpackConfigHook: pack.webpackConfigHook },
          }
        : {}),
    });
    console.log(
      `elo ${role} worker: ${settings.temporal.address} namespace ${settings.temporal.namespace}, ` +
        `queues ${workers.map((w) => w.options.taskQueue).join(', ')}, ` +
        `memory budget ${formatBytes(memory.budgetBytes)}` +
        (pack ? `, stage pack ${pack.path}` : ''),
    );
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await connection.close();
  }
}

/** Entry scripts: one line of error, exit 1. */
export function runWorkersMain(role: WorkerRole): void {
  // Started by `elo worker` / `elo demo` (an IPC channel): when that process dies, however it
  // dies, shut down as on SIGTERM (activities checkpoint and are handed back) rather than orphaned.
  if (process.connected) {
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    process.channel?.unref(); // the channel alone must not keep a stopped worker alive
  }
  runWorkers(role).catch((err: unknown) => {
    console.error(err instanceof Error && err.name !== 'Error' ? err.message : err);
    process.exit(1);
  });
}
