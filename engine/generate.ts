// Small-scale generation for report samples: greedy or seeded top-k, full recompute per token.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaModel } from './model/llama-model.js';
import { Prng } from './prng.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 or absent: greedy (argmax). */
  topK?: number;
  temperature?: number;
  seed?: number;
  /** Stop after emitting this token. */
  eosTokenId?: number | number[];
}

/** Returns prompt + generated token ids. */
export function generate(
  model: LlamaModel,
  prompt: readonly number[],
  opts: GenerateOptions,
): number[] {
  if (prompt.length === 0) throw new Error('generate: empty prompt');
  const rng = new Prng(opts.seed ?? 0);
  const eos = eosSet(opts);
  const maxContext = model.config.maxPositionEmbeddings;
  const V = model.config.vocabSize;
  const out = [...prompt];
  for (let i = 0; i < opts.maxNewTokens; i++) {
    const ctx = out.slice(-maxContext);
    const T = ctx.length;
    const last = tf.tidy(() => {
      const logits = model.forward({ batchSize: 1, seqLen: T, inputIds: Int32Array.from(ctx) });
      return tf.slice(logits, [T - 1, 0], [1, V]).dataSync() as Float32Array;
    });
    const next = nextToken(last, opts, rng);
    out.push(next);
    if (eos.has(next)) break;
  }
  return out;
}

export function eosSet(opts: GenerateOptions): Set<number> {
  if (opts.eosTokenId === undefined) return new Set();
  return new Set(Array.isArray(opts.eosTokenId) ? opts.eosTokenId : [opts.eosTokenId]);
}

/** The next token from the last position's logits: greedy, or seeded top-k. */
export function nextToken(last: Float32Array, opts: GenerateOptions, rng: Prng): number {
  return opts.topK ? sampleTopK(last, opts.topK, opts.temperature ?? 1, rng) : argmax(last);
}

export function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** Samples among the k largest logits with softmax(logit / temperature); ties keep id order. */
export function sampleTopK(
  logits: Float32Array,
  k: number,
  temperature: number,
  rng: Prng,
): number {
  const ids = Array.from(logits.keys())
    .sort((a, b) => logits[b]! - logits[a]! || a - b)
    .slice(0, Math.max(1, k));
  const max = logits[ids[0]!]!;
  const weights = ids.map((id) => Math.exp((logits[id]! - max) / temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  let r = rng.next() * total;
  for (let i = 0; i < ids.length; i++) {
    r -= weights[i]!;
    if (r < 0) return ids[i]!;
  }
  return ids[ids.length - 1]!;
}
