import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { forgetTraced, runTraced } from '../../../engine/kernels/step-trace.js';
import { tracedStepsWanted } from '../../../engine/native-settings.js';
import { AdamW, DEFAULT_ADAMW } from '../../../engine/train/adamw.js';
import { useBackend } from './helpers/backend-and-reference.js';

const binding = () =>
  (tf.backend() as unknown as { binding: { getNumOfTensors(): number } }).binding;

/** A small chain with host-made inputs, a gradient and a tensor freed inside the region. */
function program(x: tf.Tensor2D, w: tf.Variable, scale: number): tf.Tensor[] {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const bias = tf.tensor1d([0.5, -0.25, 1]); // host-made, freed by tidy before the end
      const h = tf.sigmoid(tf.add(tf.matMul(x, w), bias));
      return tf.mul(tf.sum(tf.square(h)), scale) as tf.Scalar;
    }, [w]);
    return [value, grads[w.name]!];
  });
}

function valuesOf(ts: tf.Tensor[]): number[][] {
  const out = ts.map((t) => [...t.dataSync()]);
  tf.dispose(ts);
  return out;
}

describe('traced regions (native TensorFlow)', () => {
  let w: tf.Variable;
  const x = (k: number) =>
    tf.tensor2d(
      [1, 2, 3, 4, 5, 6].map((v) => v * k),
      [2, 3],
    );
  const warnings: string[] = [];
  const warn = console.warn;

  before(async () => {
    await useBackend('tensorflow');
    w = tf.variable(tf.tensor2d([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9], [3, 3]));
    console.warn = (line: string) => warnings.push(line);
  });
  after(() => {
    console.warn = warn;
    w.dispose();
  });

  it('replays with new inputs: each call matches the eager ops to float rounding', () => {
    const key = 'test:replay';
    for (let k = 1; k <= 4; k++) {
      const xs = x(k);
      const eager = valuesOf(program(xs, w, 1 / k));
      const r = runTraced(key, () => program(xs, w, 1 / k));
      assert.equal(r.traced, true);
      const traced = valuesOf(r.value);
      for (let i = 0; i < eager.length; i++) {
        eager[i]!.forEach((v, j) =>
          assert.ok(Math.abs(v - traced[i]![j]!) < 1e-5 * (1 + Math.abs(v))),
        );
      }
      xs.dispose();
    }
    forgetTraced(key);
    assert.deepEqual(warnings, []);
  });

  it('computes the same bits whichever call records (first call and replays agree)', () => {
    const xs = x(2);
    const a = valuesOf(runTraced('test:bits-a', () => program(xs, w, 0.5)).value);
    valuesOf(runTraced('test:bits-b', () => program(x(3), w, 0.1)).value); // b records on other data
    const b = valuesOf(runTraced('test:bits-b', () => program(xs, w, 0.5)).value); // b replays
    assert.deepEqual(a, b);
    xs.dispose();
    forgetTraced('test:bits-');
  });

  it('a call that departs from the recording runs eagerly, correctly, and says why', () => {
    const key = 'test:depart';
    const xs = x(1);
    valuesOf(runTraced(key, () => program(xs, w, 1)).value);
    const departing = () =>
      tf.tidy(() => [tf.relu(tf.matMul(xs, w)), tf.sum(tf.exp(tf.matMul(xs, w)))]);
    const eager = valuesOf(departing());
    const r = runTraced(key, departing);
    assert.equal(r.traced, false);
    assert.deepEqual(valuesOf(r.value), eager);
    assert.match(warnings.pop() ?? '', /traced region test:depart: replay abandoned/);
    xs.dispose();
    forgetTraced(key);
  });

  it('inputs of another shape under one key depart instead of feeding the function', () => {
    const key = 'test:shape';
    valuesOf(runTraced(key, () => program(x(1), w, 1)).value);
    const wide = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    const eager = valuesOf(program(wide, w, 1));
    const r = runTraced(key, () => program(wide, w, 1));
    assert.equal(r.traced, false);
    assert.deepEqual(valuesOf(r.value), eager);
    assert.match(warnings.pop() ?? '', /comes from elsewhere than recorded/);
    wide.dispose();
    forgetTraced(key);
  });

  it('a region that reads its own tensor back is refused, and still correct', () => {
    const key = 'test:host-read';
    const xs = x(1);
    const reading = () =>
      tf.tidy(() => {
        const y = tf.matMul(xs, w);
        const peak = y.max().dataSync()[0]!; // a host read mid-region
        return [tf.div(y, peak)];
      });
    const eager = valuesOf(reading());
    for (let i = 0; i < 2; i++) {
      const r = runTraced(key, reading);
      assert.equal(r.traced, false);
      assert.deepEqual(valuesOf(r.value), eager);
    }
    assert.match(warnings.join('\n'), /traced region test:host-read: capture refused: a host read/);
    warnings.length = 0;
    xs.dispose();
    forgetTraced(key);
  });

  it('an exception inside a replay propagates and leaves the next call working', () => {
    const key = 'test:throw';
    const xs = x(1);
    const expected = valuesOf(runTraced(key, () => program(xs, w, 1)).value);
    assert.throws(
      () =>
        runTraced(key, () => {
          program(xs, w, 1).forEach((t) => t.dispose());
          throw new Error('boom');
        }),
      /boom/,
    );
    const r = runTraced(key, () => program(xs, w, 1));
    assert.deepEqual(valuesOf(r.value), expected);
    xs.dispose();
    forgetTraced(key);
    warnings.length = 0;
  });

  it('a traced AdamW update (resource variables, in place) gives the eager bits', () => {
    const run = (trace: boolean): number[] => {
      const before = process.env['ELO_TRACE'];
      process.env['ELO_TRACE'] = trace ? '1' : '0';
      try {
        const p = new Map<string, tf.Variable>([
          ['a', tf.variable(tf.tensor2d([0.3, -0.1, 0.8, 0.2], [2, 2]))],
          ['b', tf.variable(tf.tensor1d([1, -2, 3]))],
        ]);
        const opt = new AdamW(p, DEFAULT_ADAMW, new Set(['a']));
        for (let step = 1; step <= 4; step++) {
          const grads = {
            a: tf.tensor2d(
              [0.5, -1, 2, 0.25].map((g) => g * step),
              [2, 2],
            ),
            b: tf.tensor1d([0.1, 0.2, -0.3].map((g) => g / step)),
          };
          opt.step(grads, 1e-2 / step, step % 2 ? 1 : null); // clipped, then not
          tf.dispose(Object.values(grads));
        }
        const out = [...p.values()].flatMap((v) => [...v.dataSync()]);
        opt.dispose();
        tf.dispose([...p.values()]);
        return out;
      } finally {
        if (before === undefined) delete process.env['ELO_TRACE'];
        else process.env['ELO_TRACE'] = before;
      }
    };
    assert.deepEqual(run(true), run(false));
    assert.deepEqual(warnings, []);
  });

  it('ELO_TRACE takes 1 or 0; another value is an error naming it', () => {
    assert.equal(tracedStepsWanted({}), true);
    assert.equal(tracedStepsWanted({ ELO_TRACE: '1' }), true);
    assert.equal(tracedStepsWanted({ ELO_TRACE: '0' }), false);
    assert.throws(
      () => tracedStepsWanted({ ELO_TRACE: 'off' }),
      /ELO_TRACE=off: expected 1 .* or 0/,
    );
  });

  it('holds no tensors across many replays (tfjs and the binding both flat)', () => {
    const key = 'test:leaks';
    const xs = x(1);
    valuesOf(runTraced(key, () => program(xs, w, 1)).value);
    const tfjsBefore = tf.memory().numTensors;
    const nativeBefore = binding().getNumOfTensors();
    for (let i = 0; i < 20; i++) valuesOf(runTraced(key, () => program(xs, w, 1)).value);
    assert.equal(tf.memory().numTensors, tfjsBefore);
    assert.equal(binding().getNumOfTensors(), nativeBefore);
    xs.dispose();
    forgetTraced(key);
  });
});
