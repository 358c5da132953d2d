import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { checkpointKey, checkpointStep, newestFirst } from '../engine/train/checkpoint-keys.js';
import type { StageDef } from '../pipeline/stage.js';
import type { StageContext } from './stage-activity.js';
import { trainingMetrics } from './training-metrics.js';

const ProgressSchema = z.object({
  step: z.number(),
  lastCheckpoint: z.object({ uri: z.string(), step: z.number() }).optional(),
});

export { checkpointKey };

export interface ResumePoint<T> {
  key: string;
  step: number;
  state: T;
  /** Where the resume point came from: the last heartbeat's checkpoint or the store listing. */
  source: 'heartbeat' | 'store';
}

/**
 * The newest checkpoint that loads: candidates are the checkpoint named in the previous attempt's
 * last heartbeat and every committed one under `prefix`, newest step first. A checkpoint that fails
 * to load (a file missing or not matching its manifest) is skipped, never fatal.
 */
export async function loadNewestCheckpoint<S extends StageDef, T>(
  ctx: StageContext<S>,
  prefix: string,
  load: (key: string) => Promise<T>,
  onSkip: (key: string, err: unknown) => void = () => {},
): Promise<ResumePoint<T> | undefined> {
  const candidates = new Map<string, { step: number; source: ResumePoint<T>['source'] }>();
  const previous = ProgressSchema.safeParse(ctx.previousProgress);
  if (previous.success && previous.data.lastCheckpoint) {
    const key = ctx.store.keyOf(previous.data.lastCheckpoint.uri);
    candidates.set(key, { step: previous.data.lastCheckpoint.step, source: 'heartbeat' });
  }
  for (const key of newestFirst(await ctx.store.list(prefix))) {
    if (!candidates.has(key)) candidates.set(key, { step: checkpointStep(key)!, source: 'store' });
  }
  const ordered = [...candidates].sort(([, a], [, b]) => b.step - a.step);
  for (const [key, { step, source }] of ordered) {
    try {
      return { key, step, source, state: await load(key) };
    } catch (err) {
      onSkip(key, err);
    }
  }
  return undefined;
}

/**
 * Call between steps: lets heartbeats and cancellation through (training work is synchronous and
 * would otherwise starve them), then throws the CancelledFailure if the activity was cancelled.
 */
export async function betweenSteps(signal: AbortSignal): Promise<void> {
  await nextTurn();
  if (signal.aborted) throw signal.reason;
}

/** Waits `ms`, ending early (with the CancelledFailure) when cancelled. */
export async function cancellableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return betweenSteps(signal);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', abort, { once: true });
  });
  if (signal.aborted) throw signal.reason;
}

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
