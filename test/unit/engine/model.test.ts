import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  LayerIndexError,
  ShapeMismatchError,
  UnsupportedConfigError,
} from '../../../engine/errors.js';
import { tinyConfig, type LlamaConfig } from '../../../engine/model/config.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import { computeInvFreq } from '../../../engine/model/rotary.js';
import { initHostWeights, parameterSpecs } from '../../../engine/model/weights.js';
import {
  maxAbsDiff,
  referenceForward,
  tokenIds,
  TEST_BACKEND,
  type TestBackend,
  useBackend,
} from './helpers/backend-and-reference.js';

const CONFIGS: Record<string, LlamaConfig> = {
  gqa: tinyConfig({ numAttentionHeads: 4, numKeyValueHeads: 2 }),
  tied: tinyConfig({ tieWordEmbeddings: true, numKeyValueHeads: 4 }),
  qwen2Bias: tinyConfig({
    architecture: 'Qwen2ForCausalLM',
    modelType: 'qwen2',
    numKeyValueHeads: 1,
    attentionBias: true,
  }),
  llamaBias: tinyConfig({ attentionBias: true, oProjBias: true }),
  llama3Rope: tinyConfig({
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

/** Random weights with non-trivial norms and biases (init would leave those at 1 and 0). */
function randomHost(config: LlamaConfig, layers: number[], seed: number) {
  const host = initHostWeights(config, layers, seed);
  let s = seed;
  for (const t of host.values()) {
    if (t.shape.length === 1) {
      for (let i = 0; i < t.data.length; i++) t.data[i] = 1 + 0.3 * Math.sin((s += 1.7));
    } else {
      for (let i = 0; i < t.data.length; i++) t.data[i]! *= 10; // 0.2 std: real activations
    }
  }
  return host;
}

describe('LlamaModel forward', () => {
  before(async () => useBackend(TEST_BACKEND));

  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`matches the float64 HF reference (${name})`, () => {
      const layers = [0, 1];
      const host = randomHost(config, layers, 3);
      const model = LlamaModel.fromHost(config, host);
      const T = 12;
      const ids = tokenIds(2 * T, config.vocabSize);
      const logits = tf.tidy(() => model.forward({ batchSize: 2, seqLen: T, inputIds: ids }));
      const got = logits.dataSync();
      logits.dispose();
      for (let b = 0; b < 2; b++) {
        const want = referenceForward(config, host, layers, ids.subarray(b * T, (b + 1) * T));
        const row = got.subarray(b * T * config.vocabSize, (b + 1) * T * config.vocabSize);
        const diff = maxAbsDiff(row, want);
        assert.ok(diff < 1e-4, `${name} row ${b}: max abs diff ${diff}`);
      }
      model.dispose();
    });
  }

  it('agrees between the native, wasm and cpu backends', async () => {
    const config = CONFIGS['gqa']!;
    const host = randomHost(config, [0, 1], 5);
    const ids = tokenIds(16, config.vocabSize);
    const run = async (backend: TestBackend) => {
      await useBackend(backend);
      const model = LlamaModel.fromHost(config, host);
      const out = tf.tidy(() =>
        model.forward({ batchSize: 2, seqLen: 8, inputIds: ids }).dataSync(),
      );
      model.dispose();
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    const native = await run('tensorflow');
    await useBackend(TEST_BACKEND);
    assert.ok(maxAbsDiff(cpu, wasm) < 1e-5);
    assert.ok(maxAbsDiff(cpu, native) < 1e-5);
  });

  it('instantiates a subset of layers (a detached model) with original names', () => {
    const config = tinyConfig({ numHiddenLayers: 4 });
    const model = LlamaModel.init(config, 1, { layers: [0, -1] });
    assert.deepEqual(model.layerIndices, [0, 3]);
    assert.ok(model.weights.has('model.layers.3.mlp.down_proj.weight'));
    assert.ok(!model.weights.has('model.layers.1.mlp.down_proj.weight'));
    const logits = model.forward({ batchSize: 1, seqLen: 5, inputIds: tokenIds(5, 128) });
    assert.deepEqual(logits.shape, [5, 128]);
    logits.dispose();
    model.dispose();
  });

  it('matches the reference for a subset of layers', () => {
    const config = tinyConfig({ numHiddenLayers: 4 });
    const host = randomHost(config, [0, 1, 2, 3], 9);
    const model = LlamaModel.fromHost(config, host, { layers: [1, 3] });
    const ids = tokenIds(10, config.vocabSize);
    const got = tf.tidy(() =>
      model.forward({ batchSize: 1, seqLen: 10, inputIds: ids }).dataSync(),
    );
    assert.ok(maxAbsDiff(got, referenceForward(config, host, [1, 3], ids)) < 1e-4);
    model.dispose();
  });

  it('keeps packed documents apart: a packed document gives the logits it gives alone', () => {
    const config = CONFIGS['gqa']!;
    const model = LlamaModel.fromHost(config, randomHost(config, [0, 1], 11));
    const docA = tokenIds(5, config.vocabSize, 1);
    const docB = tokenIds(7, config.vocabSize, 2);
    const packed = new Int32Array([...docA, ...docB]);
    const docIds = new Int32Array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    const V = config.vocabSize;
    const packedLogits = tf.tidy(() =>
      model.forward({ batchSize: 1, seqLen: 12, inputIds: packed, docIds }).dataSync(),
    );
    const alone = tf.tidy(() =>
      model.forward({ batchSize: 1, seqLen: 7, inputIds: docB }).dataSync(),
    );
    assert.ok(maxAbsDiff(packedLogits.subarray(5 * V), alone) < 1e-5);
    // Without document ids the second document does attend to the first: the logits differ.
    const unmasked = tf.tidy(() =>
      model.forward({ batchSize: 1, seqLen: 12, inputIds: packed }).dataSync(),
    );
    assert.ok(maxAbsDiff(unmasked.subarray(5 * V), alone) > 1e-3);
    model.dispose();
  });
});

describe('rotary embeddings', () => {
  it('llama3 scaling keeps high frequencies, divides low ones by factor, ramps between', () => {
    const base = tinyConfig({ headDim: 16, hiddenSize: 64, ropeTheta: 10000 });
    const scaled: LlamaConfig = {
      ...base,
      ropeScaling: {
        ropeType: 'llama3',
        factor: 8,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositionEmbeddings: 64,
      },
    };
    const f0 = computeInvFreq(base);
    const f1 = computeInvFreq(scaled);
    let kept = 0;
    let divided = 0;
    let ramped = 0;
    f0.forEach((f, i) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < 64 / 4) {
        assert.equal(f1[i], f);
        kept++;
      } else if (wavelen > 64 / 1) {
        assert.ok(Math.abs(f1[i]! - f / 8) < 1e-9);
        divided++;
      } else {
        assert.ok(f1[i]! < f && f1[i]! > f / 8);
        ramped++;
      }
    });
    assert.ok(kept > 0 && divided > 0 && ramped > 0, `${kept}/${divided}/${ramped}`);
  });
});

describe('bad input', () => {
  it('rejects unsupported configs with a typed error', () => {
    assert.throws(
      () => tinyConfig({ architecture: 'GPT2LMHeadModel' as 'LlamaForCausalLM' }),
      UnsupportedConfigError,
    );
    assert.throws(() => tinyConfig({ numKeyValueHeads: 3 }), UnsupportedConfigError);
    assert.throws(
      () =>
        tinyConfig({
          ropeScaling: {
            ropeType: 'yarn' as 'llama3',
            factor: 2,
            lowFreqFactor: 1,
            highFreqFactor: 4,
            originalMaxPositionEmbeddings: 16,
          },
        }),
      UnsupportedConfigError,
    );
  });

  it('rejects sequences longer than a Mistral sliding window (not implemented)', () => {
    const config = tinyConfig({
      architecture: 'MistralForCausalLM',
      modelType: 'mistral',
      slidingWindow: 4,
    });
    const model = LlamaModel.init(config, 1);
    const ok = model.forward({ batchSize: 1, seqLen: 4, inputIds: tokenIds(4, 128) });
    ok.dispose();
    assert.throws(
      () => model.forward({ batchSize: 1, seqLen: 5, inputIds: tokenIds(5, 128) }),
      UnsupportedConfigError,
    );
    model.dispose();
  });

  it('rejects layer indices out of range', () => {
    const config = tinyConfig({ numHiddenLayers: 2 });
    assert.throws(() => LlamaModel.init(config, 1, { layers: [2] }), LayerIndexError);
    assert.throws(() => LlamaModel.init(config, 1, { layers: [-3] }), LayerIndexError);
  });

  it('names the file and tensor on a shape mismatch or a missing tensor', () => {
    const config = tinyConfig();
    const host = initHostWeights(config, [0, 1], 1);
    const name = 'model.layers.1.self_attn.k_proj.weight';
    host.set(name, { shape: [8, 32], data: new Float32Array(256) });
    assert.throws(
      () => LlamaModel.fromHost(config, host, { source: 'ckpt/model.safetensors' }),
      (err: unknown) =>
        err instanceof ShapeMismatchError &&
        err.file === 'ckpt/model.safetensors' &&
        err.tensor === name &&
        /\[8, 32\].*\[16, 32\]/.test(err.message),
    );
    host.delete(name);
    assert.throws(() => LlamaModel.fromHost(config, host), /k_proj.weight is missing/);
  });

  it('lists HF tensor names for every family', () => {
    const names = (c: LlamaConfig) => parameterSpecs(c, [0]).map((s) => s.name);
    assert.ok(names(CONFIGS['qwen2Bias']!).includes('model.layers.0.self_attn.q_proj.bias'));
    assert.ok(!names(CONFIGS['qwen2Bias']!).includes('model.layers.0.self_attn.o_proj.bias'));
    assert.ok(names(CONFIGS['llamaBias']!).includes('model.layers.0.self_attn.o_proj.bias'));
    assert.ok(!names(CONFIGS['tied']!).includes('lm_head.weight'));
  });
});
