// The engine side's models of the HF cross-check, shared by `npm run crosscheck:hf` (full size,
// not in CI) and the committed reference folders (small size, test/fixtures/hf-reference) that
// the engine's unit test checks against transformers in CI.
import * as tf from '@tensorflow/tfjs-core';
import { type LlamaConfig, tinyConfig } from '../../engine/model/config.js';
import { LlamaModel } from '../../engine/model/llama-model.js';
import { initHostWeights } from '../../engine/model/weights.js';

/** The token ids every cross-check runs (crosscheck.py has the same; taken modulo the vocabulary). */
export const TOKENS = [
  [3, 17, 42, 99, 5, 64, 7, 81, 23, 2, 50, 11],
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
];

export interface Shape {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
}

export const FULL_SHAPE: Shape = {
  vocabSize: 128,
  hiddenSize: 64,
  intermediateSize: 96,
  numHiddenLayers: 3,
  numAttentionHeads: 4,
  maxPositionEmbeddings: 64,
  rmsNormEps: 1e-6,
};

/** crosscheck.py's SMALL: what the committed reference folders hold. */
export const REFERENCE_SHAPE: Shape = {
  ...FULL_SHAPE,
  vocabSize: 64,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 2,
};

/** GQA, tied embeddings, Qwen2's q/k/v bias, llama3 rope scaling. */
export function engineModels(common: Shape): Record<string, LlamaConfig> {
  return {
    'llama-gqa': tinyConfig({ ...common, numKeyValueHeads: 2 }),
    'llama-tied': tinyConfig({ ...common, numKeyValueHeads: 4, tieWordEmbeddings: true }),
    'qwen2-bias': tinyConfig({
      ...common,
      architecture: 'Qwen2ForCausalLM',
      modelType: 'qwen2',
      numKeyValueHeads: 2,
      attentionBias: true,
    }),
    'llama3-rope': tinyConfig({
      ...common,
      numKeyValueHeads: 1,
      ropeTheta: 500000,
      ropeScaling: {
        ropeType: 'llama3',
        factor: 8,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositionEmbeddings: 16,
      },
    }),
  };
}

/** A seeded model with norms and biases away from 1 and 0, so they are exercised. */
export function seededModel(config: LlamaConfig, seed: number): LlamaModel {
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i) => i);
  const host = initHostWeights(config, layers, seed, 0.1);
  for (const t of host.values()) {
    if (t.shape.length === 1) t.data.forEach((_, i) => (t.data[i] = 1 + 0.3 * Math.sin(i + seed)));
  }
  return LlamaModel.fromHost(config, host);
}

/** TOKENS inside a vocabulary of `vocabSize` ids. */
export function tokensFor(vocabSize: number): number[][] {
  return TOKENS.map((row) => row.map((t) => t % vocabSize));
}

/** The engine's logits for `tokens` (rows of equal length), flattened (batch, position, vocab). */
export function engineLogits(model: LlamaModel, tokens: number[][]): Float32Array {
  const ids = Int32Array.from(tokens.flat());
  return tf.tidy(
    () =>
      model
        .forward({ batchSize: tokens.length, seqLen: tokens[0]!.length, inputIds: ids })
        .dataSync() as Float32Array,
  );
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
