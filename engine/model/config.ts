// The model config the engine runs: HF config.json fields in camelCase, validated once.
import { LayerIndexError, UnsupportedConfigError } from '../errors.js';

export interface RopeScaling {
  ropeType: 'default' | 'linear' | 'llama3';
  factor: number;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  originalMaxPositionEmbeddings?: number;
}

/** HF LlamaConfig / Qwen2Config fields the engine reads (camelCase of config.json). */
export interface LlamaConfig {
  modelType: string; // 'llama' | 'qwen2' | 'mistral'
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  attentionBias: boolean; // llama: bias on q/k/v/o; qwen2 has q/k/v bias whatever this says
  mlpBias: boolean;
  hiddenAct: string;
  initializerRange: number;
  bosTokenId?: number | null;
  eosTokenId?: number | number[] | null;
  padTokenId?: number | null;
}

/** Which projections carry a bias, from the model family. */
export interface BiasLayout {
  qkv: boolean;
  o: boolean;
  mlp: boolean;
}

export function biasLayout(config: LlamaConfig): BiasLayout {
  // Qwen2Attention: q/k/v with bias, o_proj without; Qwen2MLP has no bias.
  if (config.modelType === 'qwen2') return { qkv: true, o: false, mlp: false };
  return { qkv: config.attentionBias, o: config.attentionBias, mlp: config.mlpBias };
}

const SUPPORTED_MODEL_TYPES = ['llama', 'qwen2', 'mistral'];

/** Throws UnsupportedConfigError for anything the forward pass would silently get wrong. */
export function validateConfig(config: LlamaConfig): LlamaConfig {
  if (!SUPPORTED_MODEL_TYPES.includes(config.modelType)) {
    throw new UnsupportedConfigError('model_type', config.modelType);
  }
  if (config.hiddenAct !== 'silu') throw new UnsupportedConfigError('hidden_act', config.hiddenAct);
  if (config.numAttentionHeads % config.numKeyValueHeads !== 0) {
    throw new UnsupportedConfigError(
      'num_key_value_heads',
      config.numKeyValueHeads,
      `must divide num_attention_heads=${config.numAttentionHeads}`,
    );
  }
  if (config.headDim % 2 !== 0) throw new UnsupportedConfigError('head_dim', config.headDim);
  const rs = config.ropeScaling;
  if (rs && !['default', 'linear', 'llama3'].includes(rs.ropeType)) {
    throw new UnsupportedConfigError('rope_scaling.rope_type', rs.ropeType);
  }
  if (rs?.ropeType === 'llama3') {
    for (const k of ['lowFreqFactor', 'highFreqFactor', 'originalMaxPositionEmbeddings'] as const) {
      if (typeof rs[k] !== 'number') throw new UnsupportedConfigError(`rope_scaling.${k}`, rs[k]);
    }
  }
  return config;
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

/** A tiny config for tests and debugging (runs in milliseconds). */
export function tinyConfig(overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  const base: LlamaConfig = {
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
    mlpBias: false,
    hiddenAct: 'silu',
    initializerRange: 0.02,
  };
  const config = { ...base, ...overrides };
  if (overrides.headDim === undefined) {
    config.headDim = config.hiddenSize / config.numAttentionHeads;
  }
  return validateConfig(config);
}
