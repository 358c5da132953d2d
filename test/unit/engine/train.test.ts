import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX } from '../../../engine/batch.js';
import { NonFiniteLossError } from '../../../engine/errors.js';
import { matMulCosts, trainingStepFlops } from '../../../engine/flops.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import { type OpForms, setOpForms } from '../../../engine/kernels/op-forms.js';
import { AdamW, DEFAULT_ADAMW } from '../../../engine/train/adamw.js';
import { PackedDataLoader } from '../../../engine/train/data-loader.js';
import { clipByGlobalNorm } from '../../../engine/train/grad-clip.js';
import { getLr } from '../../../engine/train/lr-schedule.js';
import { selectTrainable } from '../../../engine/train/trainable.js';
import { type StepInfo, type TrainConfig, Trainer } from '../../../engine/train/trainer.js';
import { summarizeRun } from '../../../engine/stats.js';
import { TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';
import { toyTokens } from './helpers/toy-training.js';

function trainConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    seed: 7,
    totalSteps: 10,
    gradAccumSteps: 1,
    schedule: { peakLr: 3e-3, minLr: 3e-4, warmupSteps: 2, totalSteps: 10 },
    adamw: { ...DEFAULT_ADAMW, weightDecay: 0.01 },
    maxGradNorm: 1,
    checkpointEvery: 0,
    ...over,
  };
}

const config = tinyConfig({ vocabSize: 16, numHiddenLayers: 3 });

describe('learning rate', () => {
  it('warms up linearly, peaks, decays by cosine to minLr', () => {
    const s = { peakLr: 1, minLr: 0.1, warmupSteps: 4, totalSteps: 14 };
    assert.equal(getLr(0, s), 0.25);
    assert.equal(getLr(3, s), 1);
    assert.equal(getLr(4, s), 1);
    assert.ok(Math.abs(getLr(9, s) - 0.55) < 1e-12); // halfway: (1 + 0.1) / 2
    assert.equal(getLr(14, s), 0.1);
    assert.equal(getLr(100, s), 0.1);
    for (let i = 4; i < 14; i++) assert.ok(getLr(i + 1, s) < getLr(i, s));
  });
});

function adamWStepByStep(): void {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const cfg = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
  const opt = new AdamW(new Map([['p', p]]), cfg, new Set(['p']));
  const g = [0.5, 0.1];
  const lr = 0.1;
  const want = [1, -2];
  const m = [0, 0];
  const v = [0, 0];
  for (let t = 1; t <= 3; t++) {
    tf.tidy(() => opt.apply({ p: tf.tensor1d(g) }, lr));
    for (let i = 0; i < 2; i++) {
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.99 * v[i]! + 0.01 * g[i]! ** 2;
      const mHat = m[i]! / (1 - 0.9 ** t);
      const vHat = v[i]! / (1 - 0.99 ** t);
      want[i] = want[i]! - lr * (mHat / (Math.sqrt(vHat) + 1e-8) + 0.1 * want[i]!);
    }
  }
  const got = p.dataSync();
  for (let i = 0; i < 2; i++)
    assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `${got[i]} vs ${want[i]}`);
  assert.deepEqual([...opt.exportState().keys()], ['p.exp_avg', 'p.exp_avg_sq']);
  opt.dispose();
  p.dispose();
}

describe('optimizer pieces', () => {
  before(async () => useBackend(TEST_BACKEND));

  it('AdamW: bias-corrected moments and decoupled weight decay, step by step, in both forms', () => {
    // Each update inside its own tidy, as callers do: cached tensors must outlive it.
    for (const nativeOptimizer of [true, false]) {
      const previous = setOpForms({ nativeOptimizer });
      try {
        adamWStepByStep();
      } finally {
        setOpForms(previous);
      }
    }
  });

  it('AdamW on native TensorFlow: the fused form matches the tensor form, and state moves between them', async () => {
    await useBackend('tensorflow'); // the fused form runs only on native TensorFlow
    const run = (forms: Partial<OpForms>[]) => {
      const params = new Map<string, tf.Variable>([
        ['w', tf.variable(tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]))],
        ['b', tf.variable(tf.tensor1d([1, -2]))],
      ]);
      const opt = new AdamW(params, DEFAULT_ADAMW, new Set(['w']));
      const norms = forms.map((f, t) => {
        const previous = setOpForms(f);
        const grads = { w: tf.tensor2d([0.3, -0.2, 0.1, 4], [2, 2]), b: tf.tensor1d([t, 1]) };
        const norm = opt.step(grads, 0.1, 1); // norm > 1: clipped
        tf.dispose(Object.values(grads));
        setOpForms(previous);
        return norm;
      });
      const state = opt.exportState();
      const out = [...params.values()].flatMap((p) => [...p.dataSync()]);
      opt.dispose();
      params.forEach((p) => p.dispose());
      return {
        out,
        norms,
        m: [...state.get('w.exp_avg')!.data, ...state.get('b.exp_avg_sq')!.data],
      };
    };
    const tensor = run([0, 1, 2].map(() => ({ nativeOptimizer: false })));
    const native = run([0, 1, 2].map(() => ({ nativeOptimizer: true })));
    const mixed = run([
      { nativeOptimizer: true },
      { nativeOptimizer: false },
      { nativeOptimizer: true },
    ]);
    for (const other of [native, mixed]) {
      for (const key of ['out', 'norms', 'm'] as const) {
        tensor[key].forEach((x, i) => {
          const y = other[key][i]!;
          assert.ok(
            Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x)),
            `${key}[${i}]: ${x} vs ${y}`,
          );
        });
      }
    }
  });

  it('clips by global norm', () => {
    tf.tidy(() => {
      const { grads, norm } = clipByGlobalNorm({ a: tf.tensor1d([3]), b: tf.tensor1d([4]) }, 1);
      assert.ok(Math.abs(norm - 5) < 1e-6);
      assert.ok(Math.abs(grads['a']!.dataSync()[0]! - 0.6) < 1e-6);
      const same = clipByGlobalNorm({ a: tf.tensor1d([0.3]) }, 1);
      assert.ok(Math.abs(same.grads['a']!.dataSync()[0]! - 0.3) < 1e-6);
    });
  });
});

describe('trainable selection', () => {
  const full = tinyConfig({ numHiddenLayers: 4 });
  let specs: LlamaModel;
  before(async () => {
    await useBackend(TEST_BACKEND);
    specs = LlamaModel.init(full, 1, { layers: [0, 3] });
  });
  after(() => specs.dispose());

  it('elo: all detached layers, embeddings and head frozen unless switched on', () => {
    const names = selectTrainable(specs.weights.specs, [0, 3], 4, { mode: 'elo' });
    assert.ok(names.length > 0 && names.every((n) => /^model\.layers\.(0|3)\./.test(n)));
    const withHead = selectTrainable(specs.weights.specs, [0, 3], 4, {
      mode: 'elo',
      trainHead: true,
    });
    assert.ok(withHead.includes('lm_head.weight') && withHead.includes('model.norm.weight'));
    assert.ok(!withHead.includes('model.embed_tokens.weight'));
  });

  it('alignment neighbours: the layers next to λ (not λ) plus every norm', async () => {
    const all = LlamaModel.init(full, 1);
    try {
      const names = selectTrainable(all.weights.specs, [0, 1, 2, 3], 4, {
        mode: 'freeze-tune',
        nextTo: [0, -1],
        alsoTrain: ['layernorm\\.weight$', '^model\\.norm\\.weight$'],
      });
      const layersOf = new Set(
        names.filter((n) => !/layernorm|model\.norm/.test(n)).map((n) => n.split('.')[2]),
      );
      assert.deepEqual([...layersOf].sort(), ['1', '2']);
      for (const l of [0, 1, 2, 3])
        assert.ok(names.includes(`model.layers.${l}.input_layernorm.weight`));
      assert.ok(names.includes('model.norm.weight'));
      assert.ok(!names.includes('model.embed_tokens.weight'));
    } finally {
      all.dispose();
    }
  });

  it('freeze-tune: chosen layers only; name patterns narrow it', () => {
    const names = selectTrainable(specs.weights.specs, [0, 3], 4, {
      mode: 'freeze-tune',
      layers: [-1],
      include: ['self_attn'],
    });
    assert.ok(names.length === 4 && names.every((n) => n.startsWith('model.layers.3.self_attn.')));
    assert.throws(
      () => selectTrainable(specs.weights.specs, [0, 3], 4, { mode: 'freeze-tune', layers: [1] }),
      /layer index 1/,
    );
  });

  it('an empty selection is an error, not a silent no-op', () => {
    const names = selectTrainable(specs.weights.specs, [0, 3], 4, {
      mode: 'elo',
      include: ['nope'],
    });
    assert.deepEqual(names, []);
    const loader = new PackedDataLoader(toyTokens(100), { seqLen: 8, batchSize: 1, seed: 1 });
    assert.throws(() => new Trainer(specs, loader, trainConfig(), names), /matches no parameter/);
  });

  it('full: everything', () => {
    const names = selectTrainable(specs.weights.specs, [0, 3], 4, { mode: 'full' });
    assert.equal(names.length, specs.weights.specs.length);
  });
});

describe('data loader', () => {
  it('marks documents and ignores cross-document targets', () => {
    const loader = new PackedDataLoader(toyTokens(200), {
      seqLen: 20,
      batchSize: 2,
      seed: 1,
      eosTokenId: 1,
    });
    const b = loader.next();
    for (let i = 0; i < b.inputIds.length; i++) {
      if (b.inputIds[i] === 1) {
        assert.equal(b.labels[i], IGNORE_INDEX);
        if ((i + 1) % 20 !== 0) assert.equal(b.docIds![i + 1], b.docIds![i]! + 1);
      }
    }
  });

  it('resumes from its state exactly, across an epoch boundary', () => {
    const make = () => new PackedDataLoader(toyTokens(101), { seqLen: 10, batchSize: 3, seed: 5 });
    const a = make();
    for (let i = 0; i < 5; i++) a.next(); // 15 rows of 10: into the second epoch
    const state = JSON.parse(JSON.stringify(a.getState()));
    const wantNext = [a.next(), a.next(), a.next(), a.next()];
    const b = make();
    b.setState(state);
    for (const want of wantNext) assert.deepEqual(b.next(), want);
    assert.equal(state.epoch, 1);
  });
});

describe('Trainer', () => {
  before(async () => useBackend(TEST_BACKEND));

  const loader = (batchSize = 4, seed = 7) =>
    new PackedDataLoader(toyTokens(2000), { seqLen: 16, batchSize, seed, eosTokenId: 1 });

  it('elo mode: loss falls; frozen weights get no optimizer state and stay unchanged', async () => {
    // A frozen random head needs some scale to be steerable (pretrained heads have it).
    const model = LlamaModel.init(config, 1, { layers: [0, -1], initializerRange: 0.3 });
    const trainable = selectTrainable(model.weights.specs, model.layerIndices, 3, { mode: 'elo' });
    const frozenBefore = model.weights.get('model.embed_tokens.weight').dataSync().slice();
    const headBefore = model.weights.get('lm_head.weight').dataSync().slice();
    const schedule = { peakLr: 2e-2, minLr: 2e-3, warmupSteps: 2, totalSteps: 40 };
    const trainer = new Trainer(
      model,
      loader(),
      trainConfig({ totalSteps: 40, schedule }),
      trainable,
    );
    const losses: number[] = [];
    await trainer.run({ onStep: (s) => void losses.push(s.loss) });
    assert.equal(losses.length, 40);
    assert.ok(losses[39]! < losses[0]! - 0.3, `loss ${losses[0]} -> ${losses[39]}`);
    assert.deepEqual(trainer.optimizer.names.sort(), [...trainable].sort());
    assert.deepEqual(model.weights.get('model.embed_tokens.weight').dataSync(), frozenBefore);
    assert.deepEqual(model.weights.get('lm_head.weight').dataSync(), headBefore);
    trainer.dispose();
    model.dispose();
  });

  it('gradient accumulation: 2 micro-batches of 2 rows = 1 batch of 4 rows', () => {
    const run = (batchSize: number, accum: number) => {
      const model = LlamaModel.init(config, 1);
      const trainable = selectTrainable(model.weights.specs, model.layerIndices, 3, {
        mode: 'full',
      });
      const trainer = new Trainer(
        model,
        loader(batchSize),
        trainConfig({ gradAccumSteps: accum }),
        trainable,
      );
      const { loss } = trainer.trainStep();
      const w = model.weights.get('model.layers.1.mlp.up_proj.weight').dataSync().slice();
      trainer.dispose();
      model.dispose();
      return { loss, w };
    };
    const a = run(4, 1);
    const b = run(2, 2);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5);
    let diff = 0;
    a.w.forEach((x, i) => (diff = Math.max(diff, Math.abs(x - b.w[i]!))));
    assert.ok(diff < 1e-6, `max weight diff ${diff}`);
  });

  it('reports per-step stats that summarise into run stats', async () => {
    const model = LlamaModel.init(config, 5);
    const trainable = selectTrainable(model.weights.specs, model.layerIndices, 3, { mode: 'elo' });
    const trainer = new Trainer(model, loader(2), trainConfig({ totalSteps: 3 }), trainable);
    const steps: StepInfo[] = [];
    await trainer.run({ onStep: (s) => void steps.push(s) });
    const s = steps[2]!;
    assert.equal(s.tokens, 3 * 2 * 16);
    const t = s.timings;
    assert.ok(Math.abs(t.forwardMs + t.backwardMs + t.optimizerMs - t.stepMs) < 1);
    assert.ok(s.tokensPerSec > 0 && s.flopsPerSec > 0 && s.peakTensorBytes > 0 && s.rssBytes > 0);
    const run = summarizeRun(steps);
    assert.equal(run.steps, 3);
    assert.equal(run.tokens, 96);
    assert.equal(run.finalLoss, s.loss);
    assert.ok(
      run.achievedFlopsPerSec > 0 &&
        run.peakTensorBytes === Math.max(...steps.map((x) => x.peakTensorBytes)),
    );
    trainer.dispose();
    model.dispose();
  });

  it('does not leak tensors across many steps', async () => {
    const model = LlamaModel.init(config, 2);
    const trainable = selectTrainable(model.weights.specs, model.layerIndices, 3, { mode: 'full' });
    const trainer = new Trainer(model, loader(), trainConfig({ totalSteps: 30 }), trainable);
    const counts: number[] = [];
    await trainer.run({ onStep: () => void counts.push(tf.memory().numTensors) });
    assert.equal(new Set(counts).size, 1, `numTensors per step: ${counts.join(',')}`);
    trainer.dispose();
    model.dispose();
  });

  it('stops with NonFiniteLossError on a NaN loss and leaves the weights alone', async () => {
    const model = LlamaModel.init(config, 3);
    const trainable = selectTrainable(model.weights.specs, model.layerIndices, 3, { mode: 'elo' });
    const norm = model.weights.get('model.norm.weight');
    tf.tidy(() => norm.assign(tf.fill(norm.shape, NaN)));
    const before = model.weights.get('model.layers.0.mlp.up_proj.weight').dataSync().slice();
    const trainer = new Trainer(model, loader(), trainConfig(), trainable);
    await assert.rejects(
      trainer.run(),
      (err: unknown) => err instanceof NonFiniteLossError && err.step === 1,
    );
    assert.deepEqual(model.weights.get('model.layers.0.mlp.up_proj.weight').dataSync(), before);
    trainer.dispose();
    model.dispose();
  });

  it('yields to the event loop between steps and honours shouldStop', async () => {
    const model = LlamaModel.init(config, 4);
    const trainable = selectTrainable(model.weights.specs, model.layerIndices, 3, { mode: 'elo' });
    const trainer = new Trainer(model, loader(), trainConfig({ totalSteps: 50 }), trainable);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    let stop = false;
    const result = await trainer.run({
      onStep: (s) => {
        if (s.step === 5) setImmediate(() => (stop = true)); // like a cancellation arriving
      },
      shouldStop: () => stop,
    });
    clearInterval(timer);
    assert.equal(result.stopped, true);
    assert.ok(result.step >= 5 && result.step <= 6, `stopped at ${result.step}`);
    assert.ok(ticks > 0);
    trainer.dispose();
    model.dispose();
  });
});

describe('FLOP count', () => {
  const c = tinyConfig({ numHiddenLayers: 4, vocabSize: 100 });
  let model: LlamaModel;
  before(async () => {
    await useBackend(TEST_BACKEND);
    model = LlamaModel.init(c, 1);
  });
  after(() => model.dispose());
  const shape = { batchSize: 2, seqLen: 8 };

  it('counts the forward matmuls', () => {
    const n = 16;
    const perLayer =
      2 * n * (32 * 32 + 2 * 32 * 16 + 32 * 32 + 3 * 32 * 64) + 2 * 2 * 2 * 4 * 8 * 8 * 8;
    const fwd = matMulCosts(c, [0, 1, 2, 3], shape).reduce((s, x) => s + x.flops, 0);
    assert.equal(fwd, 4 * perLayer + 2 * n * 32 * 100);
  });

  it('full training costs 3x the weight matmuls; freezing skips dW and upstream dX', () => {
    const all = new Set(model.weights.specs.map((s) => s.name));
    const full = trainingStepFlops(c, [0, 1, 2, 3], shape, model.weights.specs, all);
    const attn = matMulCosts(c, [0, 1, 2, 3], shape)
      .filter((x) => x.weight === null)
      .reduce((s, x) => s + x.flops, 0);
    assert.equal(full.backward, 2 * full.forward - attn);
    const lastOnly = new Set(
      selectTrainable(model.weights.specs, [0, 1, 2, 3], 4, { mode: 'freeze-tune', layers: [3] }),
    );
    const ft = trainingStepFlops(c, [0, 1, 2, 3], shape, model.weights.specs, lastOnly);
    assert.ok(ft.backward < full.backward / 3, `${ft.backward} vs ${full.backward}`);
  });
});
