// The model config the engine runs: formats/' parsed HF config.json (camelCase), plus the checks
// the forward pass relies on and a tiny config for tests.
import type { LlamaConfig } from '../../formats/index.js';
import { LayerIndexError, UnsupportedConfigError } from '../errors.js';

export type { LlamaConfig } from '../../formats/index.js';

/** HF's default initializer_range (std of the normal init of linear and embedding weights). */
export const DEFAULT_INITIALIZER_RANGE = 0.02;

/** Which projections carry a bias (Llama: all four or none; Qwen2: q/k/v only). */
export interface BiasLayout {
  qkv: boolean;
  o: boolean;
}

export function biasLayout(config: LlamaConfig): BiasLayout {
  return { qkv: config.attentionBias, o: config.oProjBias };
}

/** Throws UnsupportedConfigError for anything the forward pass would silently get wrong. */
export function validateConfig(config: LlamaConfig): LlamaConfig {
  if (
    !['LlamaForCausalLM', 'Qwen2ForCausalLM', 'MistralForCausalLM'].includes(config.architecture)
  ) {
    throw new UnsupportedConfigError('architectures', config.architecture);
  }
  if (config.numAttentionHeads % config.numKeyValueHeads !== 0) {
    throw new UnsupportedConfigError(
      'num_key_value_heads',
      config.numKeyValueHeads,
      `must divide num_attention_heads=${config.numAttentionHeads}`,
    );
  }
  if (config.headDim % 2 !== 0) throw new UnsupportedConfigError('head_dim', config.headDim);
  const rs = config.ropeScaling;
  if (rs && rs.ropeType !== 'llama3') {
    throw new UnsupportedConfigError('rope_scaling.rope_type', rs.ropeType);
  }
  return config;
}

/** Rejects sequence lengths the implemented attention would get wrong (Mistral's window). */
export function checkSeqLen(config: LlamaConfig, seqLen: number): void {
  if (config.slidingWindow !== null && seqLen > config.slidingWindow) {
    throw new UnsupportedConfigError(
      'sliding_window',
      config.slidingWindow,
      `sequences of ${seqLen} tokens need sliding-window attention, which is not implemented`,
    );
  }
}

/**
 * Maps layer indices (negative counts from the end) to sorted, distinct indices in
 * [0, numHiddenLayers); throws LayerIndexError for any outside.
 */
export function resolveLayerIndices(indices: readonly number[], numHiddenLayers: number): number[] {
  const out = new Set<number>();
  for (const i of indices) {
    if (!Number.isInteger(i) || i >= numHiddenLayers || i < -numHiddenLayers) {
      throw new LayerIndexError(i, numHiddenLayers);
    }
    out.add(i < 0 ? numHiddenLayers + i : i);
  }
  return [...out].sort((a, b) => a - b);
}

/** A tiny Llama config for tests and debugging (runs in milliseconds). */
export function tinyConfig(overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  const base: LlamaConfig = {
    architecture: 'LlamaForCausalLM',
    modelType: 'llama',
    vocabSize: 128,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 8,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    ropeScaling: null,
    maxPositionEmbeddings: 256,
    tieWordEmbeddings: false,
    attentionBias: false,
    oProjBias: false,
    slidingWindow: null,
    bosTokenId: null,
    eosTokenId: null,
    torchDtype: null,
  };
  const config = { ...base, ...overrides };
  if (overrides.headDim === undefined) {
    config.headDim = config.hiddenSize / config.numAttentionHeads;
  }
  return validateConfig(config);
}
