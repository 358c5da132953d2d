// A Trainer for one bench method on one model shape: the engine's own model, trainable
// selection, data loader and training loop, configured alike for every method.
import { LlamaModel } from '../engine/model/llama-model.js';
import { DEFAULT_ADAMW } from '../engine/train/adamw.js';
import type { Checkpointer } from '../engine/train/checkpoint.js';
import { PackedDataLoader } from '../engine/train/data-loader.js';
import { Trainer } from '../engine/train/trainer.js';
import type { BenchModel } from './bench-models.js';
import { type BenchMethod, type MethodPlan, planMethod } from './flop-model.js';

export interface TrainerSetup {
  steps: number;
  peakLr: number;
  seed: number;
  eosTokenId: number;
  checkpointEvery?: number;
}

export function benchTrainer(
  model: LlamaModel,
  m: BenchModel,
  plan: MethodPlan,
  tokens: ArrayLike<number>,
  s: TrainerSetup,
  checkpointer: Checkpointer | null = null,
): Trainer {
  const loader = new PackedDataLoader(tokens, {
    seqLen: m.seqLen,
    batchSize: m.batchSize,
    seed: s.seed,
    eosTokenId: s.eosTokenId,
  });
  return new Trainer(
    model,
    loader,
    {
      seed: s.seed,
      totalSteps: s.steps,
      gradAccumSteps: 1,
      schedule: {
        peakLr: s.peakLr,
        minLr: s.peakLr / 10,
        warmupSteps: Math.max(1, Math.round(s.steps / 10)),
        totalSteps: s.steps,
      },
      adamw: DEFAULT_ADAMW,
      maxGradNorm: 1,
      checkpointEvery: s.checkpointEvery ?? 0,
    },
    plan.trainable,
    checkpointer,
  );
}

/** A randomly initialised model holding what `plan` computes (speed needs no trained weights). */
export function randomModelFor(m: BenchModel, plan: MethodPlan, seed: number): LlamaModel {
  return LlamaModel.init(m.config, seed, { layers: plan.computedLayers });
}

export function planFor(m: BenchModel, method: BenchMethod, lambda: readonly number[]): MethodPlan {
  return planMethod(m.config, method, lambda, { batchSize: m.batchSize, seqLen: m.seqLen });
}

/** "elo {0,7}", "full", "freeze-tune {0,7}". */
export function methodLabel(plan: Pick<MethodPlan, 'method' | 'layers'>): string {
  return plan.method === 'full' ? 'full' : `${plan.method} {${plan.layers.join(',')}}`;
}
