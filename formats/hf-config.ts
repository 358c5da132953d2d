// HF `config.json` for the Llama family: LlamaForCausalLM, and Qwen2 / Mistral where the math
// is Llama's. Parsed with zod into camelCase `LlamaConfig`; every error names the file and the
// JSON path. Unknown fields are kept so a rewritten config loses nothing.
import { z } from 'zod';

export const SUPPORTED_ARCHITECTURES = [
  'LlamaForCausalLM',
  'Qwen2ForCausalLM',
  'MistralForCausalLM',
] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

export interface Llama3RopeScaling {
  ropeType: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

export interface LlamaConfig {
  architecture: Architecture;
  modelType: string;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (Llama `attention_bias`, always for Qwen2). */
  attentionBias: boolean;
  /** o_proj carries a bias (Llama `attention_bias`; never for Qwen2 or Mistral). */
  oProjBias: boolean;
  maxPositionEmbeddings: number;
  /** Mistral's sliding attention window, if any (only matters past this many tokens). */
  slidingWindow: number | null;
  bosTokenId: number | null;
  eosTokenId: number | number[] | null;
  torchDtype: string | null;
}

export class HfConfigError extends Error {
  override readonly name = 'HfConfigError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

const POS_INT = 'expected a positive integer';
const posInt = z.number({ error: POS_INT }).int({ error: POS_INT }).positive({ error: POS_INT });
const posNum = z.number({ error: 'expected a positive number' }).positive({
  error: 'expected a positive number',
});
const tokenId = z.number({ error: 'expected a token id' }).int().nonnegative().nullable();

const ropeScalingSchema = z.looseObject({
  rope_type: z.string().optional(),
  type: z.string().optional(),
  factor: posNum.optional(),
  low_freq_factor: posNum.optional(),
  high_freq_factor: posNum.optional(),
  original_max_position_embeddings: posInt.optional(),
});

const schema = z.looseObject({
  // Optional: a bare `LlamaConfig.save_pretrained` writes none, and transformers then goes by
  // `model_type` (below).
  architectures: z
    .array(z.string(), { error: 'expected a list of architecture names' })
    .min(1, { error: 'expected at least one architecture' })
    .optional(),
  model_type: z.string().optional(),
  hidden_size: posInt,
  intermediate_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  num_key_value_heads: posInt.nullish(),
  head_dim: posInt.nullish(),
  rms_norm_eps: posNum,
  rope_theta: posNum.optional(),
  rope_scaling: ropeScalingSchema.nullish(),
  vocab_size: posInt,
  tie_word_embeddings: z.boolean({ error: 'expected true or false' }).optional(),
  attention_bias: z.boolean({ error: 'expected true or false' }).optional(),
  mlp_bias: z.literal(false, { error: 'unsupported: only false (no MLP bias)' }).optional(),
  hidden_act: z.literal('silu', { error: 'unsupported: only "silu"' }).optional(),
  max_position_embeddings: posInt,
  sliding_window: posInt.nullish(),
  use_sliding_window: z
    .literal(false, { error: 'unsupported: sliding-window attention' })
    .optional(),
  bos_token_id: tokenId.optional(),
  eos_token_id: z.union([tokenId, z.array(z.number().int().nonnegative())]).optional(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
});

type RawConfig = z.infer<typeof schema>;

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let v = json;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
}

/** Parses `config.json` content; `file` is named in every error. */
export function parseHfConfig(json: unknown, file = 'config.json'): LlamaConfig {
  const result = schema.safeParse(fromRopeParameters(json));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    let reason = issue.message;
    // A missing field reads better as "required" than as a type mismatch against undefined.
    if (issue.code === 'invalid_type' && valueAt(json, issue.path) === undefined) {
      reason = 'required';
    }
    throw new HfConfigError(file, pathOf(issue.path), reason);
  }
  const c: RawConfig = result.data;
  const fail = (field: string, reason: string): never => {
    throw new HfConfigError(file, field, reason);
  };
  const arch = architectureOf(c, fail);
  const heads = c.num_attention_heads;
  const kvHeads = c.num_key_value_heads ?? heads;
  if (heads % kvHeads !== 0) {
    fail('num_key_value_heads', `${kvHeads} does not divide num_attention_heads ${heads}`);
  }
  if (c.head_dim == null && c.hidden_size % heads !== 0) {
    fail('hidden_size', `${c.hidden_size} is not divisible by num_attention_heads ${heads}`);
  }
  if (arch === 'Qwen2ForCausalLM' && c.attention_bias === false) {
    fail('attention_bias', 'Qwen2 always has q/k/v biases');
  }
  const qwen = arch === 'Qwen2ForCausalLM';
  const llamaBias = arch === 'LlamaForCausalLM' && c.attention_bias === true;
  if (arch === 'MistralForCausalLM' && c.attention_bias === true) {
    fail('attention_bias', 'unsupported for MistralForCausalLM');
  }
  const layerTypes = (c as Record<string, unknown>).layer_types;
  if (layerTypes !== undefined && layerTypes !== null) {
    if (
      !Array.isArray(layerTypes) ||
      layerTypes.length !== c.num_hidden_layers ||
      layerTypes.some((t) => t !== 'full_attention')
    ) {
      fail('layer_types', 'unsupported: only full_attention, one entry per layer');
    }
  }
  return {
    architecture: arch,
    modelType: c.model_type ?? defaultModelType(arch),
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numHiddenLayers: c.num_hidden_layers,
    numAttentionHeads: heads,
    numKeyValueHeads: kvHeads,
    headDim: c.head_dim ?? c.hidden_size / heads,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta ?? 10000,
    ropeScaling: parseRopeScaling(c.rope_scaling, fail),
    vocabSize: c.vocab_size,
    tieWordEmbeddings: c.tie_word_embeddings ?? false,
    attentionBias: qwen || llamaBias,
    oProjBias: llamaBias,
    maxPositionEmbeddings: c.max_position_embeddings,
    slidingWindow: arch === 'MistralForCausalLM' ? (c.sliding_window ?? null) : null,
    bosTokenId: c.bos_token_id ?? null,
    eosTokenId: c.eos_token_id ?? null,
    torchDtype: c.torch_dtype ?? c.dtype ?? null,
  };
}

// transformers v5 moves rope_theta and the scaling into `rope_parameters`; read it as v4 fields.
function fromRopeParameters(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const o = json as Record<string, unknown>;
  const rp = o.rope_parameters;
  if (typeof rp !== 'object' || rp === null || 'rope_theta' in o) return json;
  const { rope_theta, ...scaling } = rp as Record<string, unknown>;
  return { ...o, rope_theta, rope_scaling: o.rope_scaling ?? scaling };
}

function isSupported(a: string): a is Architecture {
  return (SUPPORTED_ARCHITECTURES as readonly string[]).includes(a);
}

const ARCHITECTURE_OF_MODEL_TYPE: Record<string, Architecture> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  mistral: 'MistralForCausalLM',
};

/** `architectures` when given (exactly one, supported); else the family `model_type` names. */
function architectureOf(
  c: RawConfig,
  fail: (field: string, reason: string) => never,
): Architecture {
  if (c.architectures === undefined) {
    const byType =
      c.model_type === undefined ? undefined : ARCHITECTURE_OF_MODEL_TYPE[c.model_type];
    if (byType) return byType;
    return fail(
      c.model_type === undefined ? 'architectures' : 'model_type',
      c.model_type === undefined
        ? 'required (or a model_type of a supported family: llama, qwen2, mistral)'
        : `unsupported ${JSON.stringify(c.model_type)} and no architectures; supported: ${Object.keys(ARCHITECTURE_OF_MODEL_TYPE).join(', ')}`,
    );
  }
  const architecture = c.architectures[0]!;
  if (c.architectures.length !== 1 || !isSupported(architecture)) {
    fail(
      'architectures',
      `unsupported ${JSON.stringify(c.architectures)}; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`,
    );
  }
  return architecture as Architecture;
}

function defaultModelType(arch: Architecture): string {
  return { LlamaForCausalLM: 'llama', Qwen2ForCausalLM: 'qwen2', MistralForCausalLM: 'mistral' }[
    arch
  ];
}

function parseRopeScaling(
  r: RawConfig['rope_scaling'],
  fail: (field: string, reason: string) => never,
): Llama3RopeScaling | null {
  if (r == null) return null;
  const type = r.rope_type ?? r.type;
  if (type === 'default') return null;
  if (type !== 'llama3') {
    return fail('rope_scaling', `unsupported rope type ${JSON.stringify(type)}; supported: llama3`);
  }
  for (const k of [
    'factor',
    'low_freq_factor',
    'high_freq_factor',
    'original_max_position_embeddings',
  ] as const) {
    if (r[k] === undefined) fail(`rope_scaling.${k}`, 'required for llama3 rope scaling');
  }
  return {
    ropeType: 'llama3',
    factor: r.factor!,
    lowFreqFactor: r.low_freq_factor!,
    highFreqFactor: r.high_freq_factor!,
    originalMaxPositionEmbeddings: r.original_max_position_embeddings!,
  };
}

/**
 * The snake_case JSON for a config. Fields of `original` that `LlamaConfig` does not model are
 * kept as they were; modelled fields are written from `cfg`.
 */
export function toHfConfigJson(
  cfg: LlamaConfig,
  original: Record<string, unknown> = {},
): Record<string, unknown> {
  if (cfg.architecture === 'LlamaForCausalLM' && cfg.attentionBias !== cfg.oProjBias) {
    throw new HfConfigError(
      'config.json',
      'attention_bias',
      'Llama biases all four projections or none',
    );
  }
  if (cfg.architecture === 'Qwen2ForCausalLM' && (!cfg.attentionBias || cfg.oProjBias)) {
    throw new HfConfigError(
      'config.json',
      'attention_bias',
      'Qwen2 has q/k/v biases and no o bias',
    );
  }
  if (cfg.architecture === 'MistralForCausalLM' && (cfg.attentionBias || cfg.oProjBias)) {
    throw new HfConfigError('config.json', 'attention_bias', 'Mistral has no attention biases');
  }
  const out: Record<string, unknown> = { ...original };
  Object.assign(out, {
    architectures: [cfg.architecture],
    model_type: cfg.modelType,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numHiddenLayers,
    num_attention_heads: cfg.numAttentionHeads,
    num_key_value_heads: cfg.numKeyValueHeads,
    head_dim: cfg.headDim,
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    rope_scaling: cfg.ropeScaling && {
      rope_type: 'llama3',
      factor: cfg.ropeScaling.factor,
      low_freq_factor: cfg.ropeScaling.lowFreqFactor,
      high_freq_factor: cfg.ropeScaling.highFreqFactor,
      original_max_position_embeddings: cfg.ropeScaling.originalMaxPositionEmbeddings,
    },
    vocab_size: cfg.vocabSize,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    hidden_act: 'silu',
    max_position_embeddings: cfg.maxPositionEmbeddings,
    bos_token_id: cfg.bosTokenId,
    eos_token_id: cfg.eosTokenId,
  });
  if (cfg.architecture === 'LlamaForCausalLM') {
    out.attention_bias = cfg.attentionBias;
    out.mlp_bias = false;
  } else {
    delete out.attention_bias;
  }
  if (cfg.architecture === 'MistralForCausalLM') out.sliding_window = cfg.slidingWindow;
  if (cfg.torchDtype !== null) {
    if ('dtype' in original && !('torch_dtype' in original)) out.dtype = cfg.torchDtype;
    else out.torch_dtype = cfg.torchDtype;
  }
  // Per-layer lists must follow the layer count (Qwen2 writes `layer_types`).
  if (Array.isArray(out.layer_types) && out.layer_types.length !== cfg.numHiddenLayers) {
    out.layer_types = Array.from({ length: cfg.numHiddenLayers }, () => 'full_attention');
  }
  if (typeof out.max_window_layers === 'number') {
    out.max_window_layers = Math.min(out.max_window_layers, cfg.numHiddenLayers);
  }
  return out;
}
