// The engine-bench model: an 8-layer, d=128, vocab-8k Llama (4 heads, 2 kv heads) trained at
// batch 8 x 128 with AdamW and clipping, or one of the bench's model shapes (bench-models.ts).
// Shared by train-step.ts and op-forms.ts.
import type { BenchModel } from './bench-models.js';
import { trainingStepFlops } from '../engine/flops.js';
import { tinyConfig } from '../engine/model/config.js';
import { LlamaModel } from '../engine/model/llama-model.js';
import { DEFAULT_ADAMW } from '../engine/train/adamw.js';
import { PackedDataLoader } from '../engine/train/data-loader.js';
import { selectTrainable, type TrainMode } from '../engine/train/trainable.js';
import { Trainer } from '../engine/train/trainer.js';

const ENGINE_BENCH_MODEL: BenchModel = {
  name: 'engine bench (8 layers, d=128)',
  config: tinyConfig({
    vocabSize: 8192,
    hiddenSize: 128,
    intermediateSize: 512,
    numHiddenLayers: 8,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    maxPositionEmbeddings: 128,
  }),
  batchSize: 8,
  seqLen: 128,
};

export function stepTrainer(mode: TrainMode, totalSteps: number, shape = ENGINE_BENCH_MODEL) {
  const { config, batchSize, seqLen } = shape;
  const layers = mode === 'elo' ? [0, -1] : undefined;
  const model = LlamaModel.init(config, 1, layers ? { layers } : {});
  const trainable = selectTrainable(model.weights.specs, model.layerIndices, 8, { mode });
  const tokens = Int32Array.from({ length: 200_000 }, (_, i) => (i * 7919) % config.vocabSize);
  const loader = new PackedDataLoader(tokens, { seqLen, batchSize, seed: 1 });
  const trainer = new Trainer(
    model,
    loader,
    {
      seed: 1,
      totalSteps,
      gradAccumSteps: 1,
      schedule: { peakLr: 1e-3, minLr: 1e-4, warmupSteps: 1, totalSteps },
      adamw: DEFAULT_ADAMW,
      maxGradNorm: 1,
      checkpointEvery: 0,
    },
    trainable,
  );
  const flops = trainingStepFlops(
    config,
    model.layerIndices,
    { batchSize, seqLen },
    model.weights.specs,
    new Set(trainable),
  );
  return { config, model, trainable, trainer, flops, tokensPerStep: batchSize * seqLen };
}
