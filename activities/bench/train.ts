import { CancelledFailure, log } from '@temporalio/activity';
import { runTrainJobInWorker, type TrainJob } from '../../engine/train/train-job.js';
import { benchTrain } from '../../pipeline/stages/bench.js';
import { implementStage } from '../stage-activity.js';

export const benchTrainStage = implementStage(benchTrain, async (ctx) => {
  const prefix = ctx.artifactKey('checkpoints');
  let lastCheckpoint: { uri: string; step: number } | undefined;
  // The schema checks what the stage relies on; the engine validates the rest of the job.
  const job = {
    ...ctx.params.job,
    checkpoints: { storeUri: ctx.store.rootUri, prefix, keepLast: 2 },
  } as unknown as TrainJob;
  const t0 = performance.now();
  const stepMs: number[] = [];
  const result = await runTrainJobInWorker(job, {
    onStep: (s) => {
      stepMs.push(s.timings.stepMs);
      ctx.progress({
        step: s.step,
        tokens: s.tokens,
        loss: s.loss,
        tokensPerSec: s.tokensPerSec,
        ...(lastCheckpoint ? { lastCheckpoint } : {}),
      });
    },
    onCheckpoint: (key, step) => {
      lastCheckpoint = { uri: ctx.store.uriFor(key), step };
    },
    signal: ctx.signal, // the worker checkpoints and returns `stopped`
  });
  const jobMs = performance.now() - t0;
  if (result.stopped) {
    log.info('cancelled: checkpoint written', { step: result.step });
    throw ctx.signal.reason instanceof CancelledFailure
      ? ctx.signal.reason
      : new CancelledFailure('cancelled');
  }
  const checkpoint = (await ctx.store.refOf(result.lastCheckpoint!))!;
  return {
    outputs: { checkpoint },
    metrics: {
      steps: result.step,
      resumedFrom: result.resumedFrom ?? 0,
      jobMs,
      stepMs: result.stats.meanStepMs,
      // A fresh thread compiles WASM anew and creates its kernels: early steps are slower.
      steadyStepMs: secondHalfMean(stepMs),
      tokensPerSec: result.stats.tokensPerSec,
    },
  };
});

function secondHalfMean(xs: number[]): number {
  const tail = xs.slice(Math.floor(xs.length / 2));
  return tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
}

export const BENCH_GPU_STAGES = [benchTrainStage] as const;
