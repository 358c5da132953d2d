// The shapes of the scale bench: Meta's Llama 3.x configs (the fields that set memory and
// FLOPs), as `config.json` content. The bench makes random-weight folders of the first two in
// Hugging Face's exact layout (make-shape.ts); the 8B is estimated on paper only.
import { parseHfConfig, type LlamaConfig } from '../../formats/index.js';

export interface ScaleShape {
  name: string;
  /** config.json as the model ships it, minus `architectures` (see make-shape.ts). */
  configJson: Record<string, unknown>;
  /** The largest shard file, as the model ships: 1B one file (2.47 GB), 3B under 2 GB each. */
  maxShardBytes: number;
}

const LLAMA3_ROPE = {
  factor: 32.0,
  high_freq_factor: 4.0,
  low_freq_factor: 1.0,
  original_max_position_embeddings: 8192,
  rope_type: 'llama3',
};

const common = {
  model_type: 'llama',
  attention_bias: false,
  hidden_act: 'silu',
  mlp_bias: false,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-5,
  rope_theta: 500000.0,
  rope_scaling: LLAMA3_ROPE,
  vocab_size: 128256,
  torch_dtype: 'bfloat16',
};

export const LLAMA_32_1B: ScaleShape = {
  name: 'llama-3.2-1b',
  configJson: {
    ...common,
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 64,
    tie_word_embeddings: true,
  },
  maxShardBytes: 5e9,
};

export const LLAMA_32_3B: ScaleShape = {
  name: 'llama-3.2-3b',
  configJson: {
    ...common,
    hidden_size: 3072,
    intermediate_size: 8192,
    num_hidden_layers: 28,
    num_attention_heads: 24,
    num_key_value_heads: 8,
    head_dim: 128,
    tie_word_embeddings: true,
  },
  maxShardBytes: 1.9e9,
};

export const LLAMA_31_8B: ScaleShape = {
  name: 'llama-3.1-8b',
  configJson: {
    ...common,
    rope_scaling: { ...LLAMA3_ROPE, factor: 8.0 },
    hidden_size: 4096,
    intermediate_size: 14336,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 128,
    tie_word_embeddings: false,
  },
  maxShardBytes: 5e9,
};

export const configOf = (s: ScaleShape): LlamaConfig => parseHfConfig(s.configJson);
