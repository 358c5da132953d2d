// A small, fully seeded training setup shared by the checkpoint tests and the resume script.
import { FileStore } from '../../../../storage/file-store.js';
import { tinyConfig } from '../../../../engine/model/config.js';
import { LlamaModel } from '../../../../engine/model/llama-model.js';
import { DEFAULT_ADAMW } from '../../../../engine/train/adamw.js';
import { PackedDataLoader } from '../../../../engine/train/data-loader.js';
import { StoreCheckpointer } from '../../../../engine/train/store-checkpointer.js';
import { selectTrainable } from '../../../../engine/train/trainable.js';
import { type TrainConfig, Trainer } from '../../../../engine/train/trainer.js';
import { createHash } from 'node:crypto';

/** A learnable stream: short repeating "documents" ending in EOS (id 1). */
export function toyTokens(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = i % 9 === 8 ? 1 : 2 + ((i * 3) % 9) + (Math.floor(i / 9) % 3);
  return out;
}

export const TOY_CONFIG = tinyConfig({ vocabSize: 16, numHiddenLayers: 3 });

export function toyTrainConfig(totalSteps: number, over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    seed: 7,
    totalSteps,
    gradAccumSteps: 2,
    schedule: { peakLr: 1e-2, minLr: 1e-3, warmupSteps: 2, totalSteps },
    adamw: { ...DEFAULT_ADAMW, weightDecay: 0.01 },
    maxGradNorm: 1,
    checkpointEvery: 0,
    ...over,
  };
}

/** Model (seed 1), loader (crosses epochs quickly: 600 tokens in rows of 16) and trainer. */
export function toyTrainer(
  storeDir: string,
  totalSteps: number,
  over: Partial<TrainConfig> = {},
  log?: (line: string) => void,
): { model: LlamaModel; trainer: Trainer; checkpointer: StoreCheckpointer } {
  const model = LlamaModel.init(TOY_CONFIG, 1, { initializerRange: 0.1 });
  const loader = new PackedDataLoader(toyTokens(600), {
    seqLen: 16,
    batchSize: 3,
    seed: 11,
    eosTokenId: 1,
  });
  const trainable = selectTrainable(model.weights.specs, model.layerIndices, 3, { mode: 'full' });
  const checkpointer = new StoreCheckpointer(new FileStore(storeDir), 'run/train/checkpoints', {
    ...(log ? { log } : {}),
  });
  const trainer = new Trainer(
    model,
    loader,
    toyTrainConfig(totalSteps, over),
    trainable,
    checkpointer,
  );
  return { model, trainer, checkpointer };
}

/** sha256 over every weight in HF layout, in spec order. */
export function weightsSha256(model: LlamaModel): string {
  const hash = createHash('sha256');
  for (const [name, t] of model.weights.toHost()) {
    hash.update(name);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}
