import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { fastMatMul } from '../../../engine/kernels/fast-mat-mul.js';
import { setOpForms } from '../../../engine/kernels/op-forms.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import {
  applyRotaryPosEmb,
  computeInvFreq,
  RotaryEmbedding,
} from '../../../engine/model/rotary.js';
import { maxAbsDiff, TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

async function onBoth<T>(f: () => T): Promise<{ cpu: T; wasm: T }> {
  await useBackend('cpu');
  const cpu = f();
  await useBackend('wasm');
  const wasm = f();
  return { cpu, wasm };
}

describe('WASM training kernels', () => {
  it('UnsortedSegmentSum on wasm equals cpu (duplicate and dropped ids)', async () => {
    const ids = [3, 0, 3, 7, -1, 0, 5, 3];
    const { cpu, wasm } = await onBoth(() =>
      tf.tidy(() =>
        tf.unsortedSegmentSum(rand([8, 6], 1), tf.tensor1d(ids, 'int32'), 9).dataSync(),
      ),
    );
    assert.equal(wasm.length, 9 * 6);
    assert.ok(maxAbsDiff(cpu, wasm) < 1e-6);
  });

  it('the embedding-gather gradient works on wasm and equals cpu', async () => {
    const ids = tf.tensor1d([1, 4, 1, 0, 9, 4], 'int32');
    const { cpu, wasm } = await onBoth(() =>
      tf.tidy(() => {
        const table = rand([10, 5], 2);
        const dy = rand([6, 5], 3);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), dy)))(table);
        return g.dataSync();
      }),
    );
    assert.ok(maxAbsDiff(cpu, wasm) < 1e-6);
    ids.dispose();
  });

  for (const [name, aShape, bShape] of [
    ['2-D', [12, 7], [7, 5]],
    ['batched 4-D', [2, 3, 6, 4], [2, 3, 4, 5]],
  ] as const) {
    it(`fastMatMul (${name}) matches tf.matMul forward and gradients on both backends`, async () => {
      const run = () =>
        tf.tidy(() => {
          const a = rand([...aShape], 4);
          const b = rand([...bShape], 5);
          const w = rand([...aShape.slice(0, -1), bShape[bShape.length - 1]!], 6);
          const loss =
            (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
              tf.sum(tf.mul(f(x, y), w));
          const ours = tf.grads(loss((x, y) => fastMatMul(x, y)))([a, b]);
          const ref = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
          return {
            fwd: maxAbsDiff(fastMatMul(a, b).dataSync(), tf.matMul(a, b).dataSync()),
            da: maxAbsDiff(ours[0]!.dataSync(), ref[0]!.dataSync()),
            db: maxAbsDiff(ours[1]!.dataSync(), ref[1]!.dataSync()),
          };
        });
      const { cpu, wasm } = await onBoth(run);
      for (const r of [cpu, wasm]) {
        assert.ok(r.fwd < 1e-5 && r.da < 1e-5 && r.db < 1e-5, JSON.stringify(r));
      }
    });
  }

  it('computes no weight gradient for a weight that is not asked for', async () => {
    await useBackend('wasm');
    const x = tf.variable(rand([4, 3], 7));
    const w = tf.variable(rand([3, 2], 8));
    const matMulsFor = async (vars: tf.Variable[]) => {
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(fastMatMul(x as tf.Tensor2D, w as tf.Tensor2D)),
          vars,
        );
        tf.dispose([value, grads]);
      });
      return info.kernels.filter((k) => k.name === 'EloMatMul').length;
    };
    assert.equal(await matMulsFor([x, w]), 3); // forward, dX, dW
    assert.equal(await matMulsFor([x]), 2); // forward, dX: the frozen weight costs nothing
    assert.equal(await matMulsFor([w]), 2); // forward, dW
    x.dispose();
    w.dispose();
  });

  it('rejects broadcasting shapes', async () => {
    await useBackend('wasm');
    tf.tidy(() => {
      assert.throws(() => fastMatMul(rand([2, 3, 4], 1), rand([1, 4, 5], 2)), /incompatible/);
      assert.throws(() => fastMatMul(rand([3, 4], 1) as tf.Tensor, rand([2, 4, 5], 2)), /ranks/);
    });
  });
});

describe('hand-written block gradients', () => {
  it('RMSNorm and SwiGLU with written-out gradients give autodiff gradients for every weight', async () => {
    await useBackend(TEST_BACKEND);
    const config = tinyConfig({ numAttentionHeads: 4, numKeyValueHeads: 2 });
    const model = LlamaModel.init(config, 3);
    const batch = {
      batchSize: 2,
      seqLen: 8,
      inputIds: Int32Array.from({ length: 16 }, (_, i) => (i * 5) % config.vocabSize),
    };
    const gradsWith = (blockGradients: boolean) => {
      const previous = setOpForms({ blockGradients });
      try {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(batch))));
        return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync()]));
      } finally {
        setOpForms(previous);
      }
    };
    const autodiff = gradsWith(false);
    const written = gradsWith(true);
    for (const [name, g] of Object.entries(autodiff)) {
      const scale = Math.max(...g.map(Math.abs));
      const diff = Math.max(...g.map((x, i) => Math.abs(x - written[name]![i]!)));
      assert.ok(diff <= 1e-4 * scale, `${name}: ${diff} (max |g| ${scale})`);
    }
    model.dispose();
  });
});

describe('rotary embeddings on native TensorFlow', () => {
  it('one Roll per tensor with the gradient written out is bit-identical to split + neg + concat', async () => {
    await useBackend('tensorflow'); // the Roll form runs only on native TensorFlow
    const config = tinyConfig({ numAttentionHeads: 4, numKeyValueHeads: 2 });
    const [B, T, hd] = [2, 8, config.headDim];
    const rotary = new RotaryEmbedding(hd, computeInvFreq(config), 16);
    const positions = Int32Array.from({ length: B * T }, (_, i) => (i * 3) % 16);
    const run = (nativeRotary: boolean) => {
      const previous = setOpForms({ nativeRotary, rotateHalfAsMatMul: false });
      try {
        return tf.tidy(() => {
          const tables = rotary.tables(positions, B, T);
          const q = rand([B, 4, T, hd], 11);
          const k = rand([B, 2, T, hd], 12);
          const dq = rand([B, 4, T, hd], 13);
          const dk = rand([B, 2, T, hd], 14);
          const loss = (a: tf.Tensor, b: tf.Tensor) => {
            const [qe, ke] = applyRotaryPosEmb(a as tf.Tensor4D, b as tf.Tensor4D, tables);
            return tf.add(tf.sum(tf.mul(qe, dq)), tf.sum(tf.mul(ke, dk)));
          };
          const [qe, ke] = applyRotaryPosEmb(q as tf.Tensor4D, k as tf.Tensor4D, tables);
          const [gq, gk] = tf.grads(loss)([q, k]);
          return [qe, ke, gq!, gk!].map((t) => t.dataSync());
        });
      } finally {
        setOpForms(previous);
      }
    };
    const plain = run(false);
    const rolled = run(true);
    ['q', 'k', 'dq', 'dk'].forEach((name, i) =>
      assert.deepEqual(rolled[i], plain[i], `${name} differs between the forms`),
    );
  });
});
