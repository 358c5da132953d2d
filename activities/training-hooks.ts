import type { StageDef } from '../pipeline/stage.js';
import type { StageContext } from './stage-activity.js';
import { trainingMetrics } from './training-metrics.js';

/** The step report of a training loop (the engine's StepInfo has these fields and more). */
export interface StepReport {
  step: number;
  tokens: number;
  loss: number;
  tokensPerSec: number;
}

/**
 * Hooks that connect a training loop with `onStep` / `shouldStop` / `onCheckpoint` callbacks (the
 * engine's Trainer) to the activity: each step becomes progress (heartbeat details, with the last
 * committed checkpoint), cancellation becomes `shouldStop` (the loop checkpoints and returns), and
 * `rethrowIfStopped` then turns a stopped loop back into the CancelledFailure, so the attempt is
 * resolved as cancelled and retried elsewhere on worker shutdown.
 */
export function trainingHooks<S extends StageDef>(
  ctx: StageContext<S>,
  opts: { totalSteps?: number } = {},
) {
  let lastCheckpoint: { uri: string; step: number } | undefined;
  let lastStep: StepReport | undefined;
  const metrics = trainingMetrics({ run: ctx.run.runName, node: ctx.nodeId });
  const report = () =>
    lastStep &&
    ctx.progress({
      step: lastStep.step,
      tokens: lastStep.tokens,
      loss: lastStep.loss,
      tokensPerSec: lastStep.tokensPerSec,
      ...(opts.totalSteps !== undefined ? { totalSteps: opts.totalSteps } : {}),
      ...(lastCheckpoint ? { lastCheckpoint } : {}),
    });
  return {
    onStep(info: StepReport): void {
      lastStep = info;
      metrics.stepReported();
      report();
    },
    shouldStop: (): boolean => ctx.signal.aborted,
    onCheckpoint(key: string, step: number): void {
      lastCheckpoint = { uri: ctx.store.uriFor(key), step };
      metrics.checkpointReported();
      report(); // a retry resumes from the checkpoint the last heartbeat names: name it now
    },
    rethrowIfStopped(result: { stopped: boolean }): void {
      if (result.stopped && ctx.signal.aborted) throw ctx.signal.reason;
    },
  };
}
