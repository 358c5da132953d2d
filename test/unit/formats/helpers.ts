// Shared test helpers: temp dirs, a seeded PRNG, and generated HF model folders.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DType, dtypeSize } from '../../../formats/dtype.js';
import { type LlamaConfig, toHfConfigJson } from '../../../formats/hf-config.js';
import { expectedTensorShapes } from '../../../formats/hf-names.js';
import { planShards, writeShardedSafetensors } from '../../../formats/safetensors-index.js';
import type { TensorSpec } from '../../../formats/safetensors-writer.js';

export async function tempDir(prefix = 'elo-formats-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await tempDir();
  try {
    return await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TINY_CONFIG: LlamaConfig = {
  architecture: 'LlamaForCausalLM',
  modelType: 'llama',
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 4,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 4,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  ropeScaling: null,
  vocabSize: 64,
  tieWordEmbeddings: false,
  attentionBias: false,
  oProjBias: false,
  maxPositionEmbeddings: 128,
  slidingWindow: null,
  bosTokenId: 1,
  eosTokenId: 2,
  torchDtype: 'bfloat16',
};

/**
 * Deterministic bytes for a tensor: a hash of (seed, name, position), generated chunk by chunk
 * so a large model can be written without holding it.
 */
export function* tensorBytes(seed: number, spec: TensorSpec, chunkBytes = 1 << 20) {
  let h = seed >>> 0;
  for (let i = 0; i < spec.name.length; i++) h = Math.imul(h ^ spec.name.charCodeAt(i), 16777619);
  const total = spec.shape.reduce((a, b) => a * b, 1) * dtypeSize(spec.dtype);
  const buf = new Uint8Array(Math.min(chunkBytes, Math.ceil(total / 4) * 4));
  const words = new Uint32Array(buf.buffer);
  const next = prng(h);
  for (let done = 0; done < total; done += buf.byteLength) {
    // Random bytes are valid for every dtype here (floats may be NaN patterns: bytes are bytes).
    for (let w = 0; w < words.length; w++) words[w] = (next() * 4294967296) >>> 0;
    yield buf.subarray(0, Math.min(buf.byteLength, total - done));
  }
}

export interface MakeModelOptions {
  dtype?: DType;
  seed?: number;
  maxShardBytes?: number;
  tokenizer?: unknown;
  /** Extra fields for config.json. */
  extraConfig?: Record<string, unknown>;
}

/** Writes a valid HF model folder for `cfg` with deterministic weights. */
export async function makeModelFolder(
  dir: string,
  cfg: LlamaConfig = TINY_CONFIG,
  opts: MakeModelOptions = {},
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const dtype = opts.dtype ?? 'BF16';
  const specs: TensorSpec[] = [...expectedTensorShapes(cfg)].map(([name, shape]) => ({
    name,
    dtype,
    shape,
  }));
  const plan = planShards(specs, opts.maxShardBytes ?? Infinity);
  await writeShardedSafetensors(dir, plan, (s) => tensorBytes(opts.seed ?? 1, s));
  const json = { ...toHfConfigJson(cfg), ...opts.extraConfig };
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(json, null, 2));
  if (opts.tokenizer) {
    await fs.writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(opts.tokenizer));
  }
  return dir;
}
