import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HfConfigError, parseHfConfig, toHfConfigJson } from '../../../formats/hf-config.js';
import {
  expectedTensorShapes,
  layerTensorName,
  parseTensorName,
} from '../../../formats/hf-names.js';

// Trimmed from meta-llama/Llama-3.2-1B/config.json.
const LLAMA_32_1B = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: 128001,
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: {
    factor: 32.0,
    high_freq_factor: 4.0,
    low_freq_factor: 1.0,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0.dev0',
  use_cache: true,
  vocab_size: 128256,
};

// Trimmed from Qwen/Qwen2.5-0.5B/config.json.
const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'],
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};

const errorOf = (json: unknown): string => {
  try {
    parseHfConfig(json, 'config.json');
  } catch (err) {
    assert.ok(err instanceof HfConfigError, String(err));
    return err.message;
  }
  assert.fail('expected an HfConfigError');
};

describe('hf-config', () => {
  it('parses Llama 3.2 with llama3 rope scaling', () => {
    const c = parseHfConfig(LLAMA_32_1B);
    assert.equal(c.architecture, 'LlamaForCausalLM');
    assert.equal(c.headDim, 64);
    assert.equal(c.numKeyValueHeads, 8);
    assert.equal(c.tieWordEmbeddings, true);
    assert.equal(c.attentionBias, false);
    assert.equal(c.oProjBias, false);
    assert.deepEqual(c.ropeScaling, {
      ropeType: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    assert.equal(c.torchDtype, 'bfloat16');
  });

  it('parses Qwen2: q/k/v biases, no o bias, defaults for head_dim', () => {
    const c = parseHfConfig(QWEN25_05B);
    assert.equal(c.headDim, 64);
    assert.equal(c.attentionBias, true);
    assert.equal(c.oProjBias, false);
    const shapes = expectedTensorShapes(c);
    assert.deepEqual(shapes.get('model.layers.0.self_attn.k_proj.bias'), [128]);
    assert.equal(shapes.has('model.layers.0.self_attn.o_proj.bias'), false);
    assert.equal(shapes.has('lm_head.weight'), false, 'tied');
  });

  it('defaults num_key_value_heads and head_dim', () => {
    const { head_dim: _h, num_key_value_heads: _k, ...rest } = LLAMA_32_1B;
    const c = parseHfConfig(rest);
    assert.equal(c.numKeyValueHeads, 32);
    assert.equal(c.headDim, 2048 / 32);
  });

  it('names the file and JSON path in errors', () => {
    assert.equal(
      errorOf({ ...LLAMA_32_1B, num_attention_heads: -3 }),
      'config.json: num_attention_heads: expected a positive integer',
    );
    assert.equal(
      errorOf({ ...LLAMA_32_1B, num_attention_heads: 2.5 }),
      'config.json: num_attention_heads: expected a positive integer',
    );
    const { hidden_size: _, ...noHidden } = LLAMA_32_1B;
    assert.equal(errorOf(noHidden), 'config.json: hidden_size: required');
    assert.match(
      errorOf({ ...LLAMA_32_1B, rope_scaling: { ...LLAMA_32_1B.rope_scaling, factor: 'x' } }),
      /^config\.json: rope_scaling\.factor: /,
    );
  });

  it('refuses what the Llama math does not cover', () => {
    assert.match(
      errorOf({ ...LLAMA_32_1B, architectures: ['GPT2LMHeadModel'] }),
      /^config\.json: architectures: unsupported \["GPT2LMHeadModel"\]/,
    );
    assert.match(errorOf({ ...LLAMA_32_1B, hidden_act: 'gelu' }), /hidden_act: unsupported/);
    assert.match(errorOf({ ...LLAMA_32_1B, mlp_bias: true }), /mlp_bias: unsupported/);
    assert.match(
      errorOf({ ...LLAMA_32_1B, rope_scaling: { type: 'yarn', factor: 4 } }),
      /rope_scaling: unsupported rope type "yarn"/,
    );
    assert.match(
      errorOf({ ...LLAMA_32_1B, rope_scaling: { rope_type: 'llama3', factor: 8 } }),
      /rope_scaling\.low_freq_factor: required/,
    );
    assert.match(
      errorOf({ ...QWEN25_05B, use_sliding_window: true }),
      /use_sliding_window: unsupported/,
    );
    assert.match(
      errorOf({ ...LLAMA_32_1B, num_key_value_heads: 5 }),
      /num_key_value_heads: 5 does not divide/,
    );
  });

  it('takes the family from model_type when architectures is absent (bare save_pretrained)', () => {
    const { architectures: _, ...bare } = LLAMA_32_1B;
    assert.deepEqual(parseHfConfig(bare), parseHfConfig(LLAMA_32_1B));
    const { architectures: __, ...bareQwen } = QWEN25_05B;
    assert.equal(parseHfConfig(bareQwen).architecture, 'Qwen2ForCausalLM');
    assert.equal(
      parseHfConfig({ ...bare, model_type: 'mistral' }).architecture,
      'MistralForCausalLM',
    );
    assert.match(
      errorOf({ ...bare, model_type: 'gpt2' }),
      /^config\.json: model_type: unsupported "gpt2" and no architectures; supported: llama, qwen2, mistral$/,
    );
    const { model_type: ___, ...neither } = bare;
    assert.match(errorOf(neither), /^config\.json: architectures: required \(or a model_type/);
  });

  it('reads transformers v5 rope_parameters', () => {
    const { rope_theta: _t, rope_scaling: scaling, ...rest } = LLAMA_32_1B;
    const c = parseHfConfig({ ...rest, rope_parameters: { rope_theta: 500000, ...scaling } });
    assert.equal(c.ropeTheta, 500000);
    assert.equal(c.ropeScaling?.factor, 32);
  });

  it('writes back unknown fields and round-trips', () => {
    for (const json of [LLAMA_32_1B, QWEN25_05B]) {
      const c = parseHfConfig(json);
      const out = toHfConfigJson({ ...c, numHiddenLayers: 2 }, json);
      assert.equal(out.num_hidden_layers, 2);
      assert.equal(out.use_cache, json === LLAMA_32_1B ? true : undefined);
      assert.deepEqual(parseHfConfig(out), { ...c, numHiddenLayers: 2 });
      assert.equal(out.max_window_layers, json === QWEN25_05B ? 2 : undefined);
    }
    assert.equal(
      toHfConfigJson(parseHfConfig(LLAMA_32_1B), LLAMA_32_1B).transformers_version,
      '4.45.0.dev0',
    );
  });
});

describe('hf-names', () => {
  it('parses names into layer and part', () => {
    assert.deepEqual(parseTensorName('model.layers.12.mlp.down_proj.weight'), {
      layer: 12,
      part: 'mlp.down_proj.weight',
    });
    assert.deepEqual(parseTensorName('model.embed_tokens.weight'), {
      part: 'model.embed_tokens.weight',
    });
    assert.equal(parseTensorName('model.layers.01.mlp.down_proj.weight'), undefined);
    assert.equal(parseTensorName('model.layers.1.mlp.fc.weight'), undefined);
    assert.equal(
      layerTensorName(3, 'self_attn.q_proj.bias'),
      'model.layers.3.self_attn.q_proj.bias',
    );
  });

  it('derives shapes from the config (GQA, untied head)', () => {
    const c = parseHfConfig({ ...LLAMA_32_1B, tie_word_embeddings: false, num_hidden_layers: 2 });
    const s = expectedTensorShapes(c);
    assert.equal(s.size, 1 + 2 * 9 + 2);
    assert.deepEqual(s.get('model.layers.1.self_attn.q_proj.weight'), [2048, 2048]);
    assert.deepEqual(s.get('model.layers.1.self_attn.k_proj.weight'), [512, 2048]);
    assert.deepEqual(s.get('model.layers.1.self_attn.o_proj.weight'), [2048, 2048]);
    assert.deepEqual(s.get('model.layers.0.mlp.down_proj.weight'), [2048, 8192]);
    assert.deepEqual(s.get('lm_head.weight'), [128256, 2048]);
    assert.deepEqual([...s.keys()][0], 'model.embed_tokens.weight');
    assert.deepEqual([...s.keys()].at(-1), 'lm_head.weight');
  });
});
