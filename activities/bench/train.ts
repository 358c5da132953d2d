import { CancelledFailure, log } from '@temporalio/activity';
import { initBackend } from '../../engine/backend.js';
import { resolveLayerIndices, tinyConfig } from '../../engine/model/config.js';
import { LlamaModel } from '../../engine/model/llama-model.js';
import { summarizeRun, type RunStats } from '../../engine/stats.js';
import { DEFAULT_ADAMW } from '../../engine/train/adamw.js';
import type { Checkpointer } from '../../engine/train/checkpoint.js';
import { PackedDataLoader } from '../../engine/train/data-loader.js';
import { StoreCheckpointer } from '../../engine/train/store-checkpointer.js';
import { selectTrainable } from '../../engine/train/trainable.js';
import { type StepInfo, Trainer, type TrainResult } from '../../engine/train/trainer.js';
import { benchTrain } from '../../pipeline/stages/bench.js';
import type { StageParams } from '../../pipeline/stage.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { implementStage } from '../stage-activity.js';

export type BenchTrainParams = StageParams<typeof benchTrain>;

export interface BenchTrainOutcome {
  result: TrainResult;
  stats: RunStats;
  /** Wall time of the training loop, checkpoint writes included. */
  loopMs: number;
  /** Of which writing checkpoints. */
  checkpointMs: number;
  checkpoints: number;
  resumedFromStep: number;
}

/** Times each save of the wrapped checkpointer. */
class TimedCheckpointer implements Checkpointer {
  ms = 0;
  saves = 0;
  constructor(private readonly inner: Checkpointer) {}
  keyFor(step: number): string {
    return this.inner.keyFor(step);
  }
  async save(...args: Parameters<Checkpointer['save']>): Promise<string> {
    const t0 = performance.now();
    try {
      return await this.inner.save(...args);
    } finally {
      this.ms += performance.now() - t0;
      this.saves++;
    }
  }
  loadLatest(...args: Parameters<Checkpointer['loadLatest']>) {
    return this.inner.loadLatest(...args);
  }
}

/**
 * The training itself, callable without Temporal (the benchmark's "engine called directly"):
 * checkpoints under `prefix` in `store` when one is given, resuming from the newest.
 */
export async function runBenchTraining(
  p: BenchTrainParams,
  checkpoints: { store: ArtifactStore; prefix: string } | null,
  hooks: {
    onStep?: (s: StepInfo) => void;
    shouldStop?: () => boolean;
    onCheckpoint?: (key: string, step: number) => void;
  } = {},
): Promise<BenchTrainOutcome> {
  await initBackend();
  const config = tinyConfig({ ...p.shape, maxPositionEmbeddings: Math.max(256, p.seqLen) });
  const n = config.numHiddenLayers;
  const lambda = resolveLayerIndices(p.layers, n);
  const all = Array.from({ length: n }, (_, i) => i);
  const model = LlamaModel.init(config, p.seed, { layers: p.method === 'elo' ? lambda : all });
  try {
    const trainable = selectTrainable(model.weights.specs, model.layerIndices, n, {
      mode: p.method,
      ...(p.method === 'freeze-tune' ? { layers: lambda } : {}),
    });
    // Synthetic ids: speed does not depend on the values, and no data input is needed.
    const tokens = Int32Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % config.vocabSize);
    const loader = new PackedDataLoader(tokens, {
      seqLen: p.seqLen,
      batchSize: p.batchSize,
      seed: p.seed,
    });
    const checkpointer = checkpoints
      ? new TimedCheckpointer(
          new StoreCheckpointer(checkpoints.store, checkpoints.prefix, { keepLast: 2 }),
        )
      : null;
    const trainer = new Trainer(
      model,
      loader,
      {
        seed: p.seed,
        totalSteps: p.steps,
        gradAccumSteps: 1,
        schedule: { peakLr: 1e-3, minLr: 1e-4, warmupSteps: 1, totalSteps: p.steps },
        adamw: DEFAULT_ADAMW,
        maxGradNorm: 1,
        checkpointEvery: checkpoints ? p.checkpointEvery : 0,
      },
      trainable,
      checkpointer,
    );
    try {
      const resumed = (await trainer.resume()) ? trainer.step : 0;
      const steps: StepInfo[] = [];
      const t0 = performance.now();
      const result = await trainer.run({
        onStep: (s) => {
          steps.push(s);
          hooks.onStep?.(s);
        },
        ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
        ...(hooks.onCheckpoint ? { onCheckpoint: hooks.onCheckpoint } : {}),
      });
      return {
        result,
        stats: summarizeRun(steps),
        loopMs: performance.now() - t0,
        checkpointMs: checkpointer?.ms ?? 0,
        checkpoints: checkpointer?.saves ?? 0,
        resumedFromStep: resumed,
      };
    } finally {
      trainer.dispose();
    }
  } finally {
    model.dispose();
  }
}

export const benchTrainStage = implementStage(benchTrain, async (ctx) => {
  const prefix = ctx.artifactKey('checkpoints');
  let lastCheckpoint: { uri: string; step: number } | undefined;
  const out = await runBenchTraining(
    ctx.params,
    { store: ctx.store, prefix },
    {
      onStep: (s) =>
        ctx.progress({
          step: s.step,
          tokens: s.tokens,
          loss: s.loss,
          tokensPerSec: s.tokensPerSec,
          ...(lastCheckpoint ? { lastCheckpoint } : {}),
        }),
      shouldStop: () => ctx.signal.aborted, // the trainer checkpoints, then we rethrow
      onCheckpoint: (key, step) => {
        lastCheckpoint = { uri: ctx.store.uriFor(key), step };
      },
    },
  );
  if (out.result.stopped) {
    log.info('cancelled: checkpoint written', { step: out.result.step });
    throw ctx.signal.reason instanceof CancelledFailure
      ? ctx.signal.reason
      : new CancelledFailure('cancelled');
  }
  const key = out.result.lastCheckpoint!;
  const checkpoint = (await ctx.store.refOf(key))!;
  return {
    outputs: { checkpoint },
    metrics: {
      steps: out.result.step,
      loopMs: out.loopMs,
      checkpointMs: out.checkpointMs,
      checkpoints: out.checkpoints,
      stepMs: out.stats.meanStepMs,
      tokensPerSec: out.stats.tokensPerSec,
      resumedFromStep: out.resumedFromStep,
    },
  };
});

export const BENCH_GPU_STAGES = [benchTrainStage] as const;
