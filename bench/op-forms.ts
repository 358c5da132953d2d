// Each WASM workaround against the plain form on the active backend (ELO_BACKEND): first each op
// alone (forward + backward at the demo step's shapes, fastest of 15), then inside whole training
// steps of the demo shape. The engine's per-backend choice in engine/kernels/op-forms.ts comes
// from these tables. Step rounds interleave the variants so load from other jobs hits them alike;
// the figure is the fastest step of each (least disturbed by load).
//   npm run build && ELO_BACKEND=tensorflow node dist/bench/op-forms.js [--rounds 6] [--mode full]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend.js';
import { fastMatMul } from '../engine/kernels/fast-mat-mul.js';
import { crossEntropySum } from '../engine/loss.js';
import { swiGlu } from '../engine/model/mlp.js';
import { rmsNorm } from '../engine/model/rms-norm.js';
import {
  applyRotaryPosEmb,
  computeInvFreq,
  RotaryEmbedding,
  rotateHalf,
} from '../engine/model/rotary.js';
import { type OpForms, opForms, setOpForms } from '../engine/kernels/op-forms.js';
import { AdamW, DEFAULT_ADAMW } from '../engine/train/adamw.js';
import { type TrainMode } from '../engine/train/trainable.js';
import { DEMO_MODEL } from './bench-models.js';
import { stepTrainer } from './step-trainer.js';

const FORMS: (keyof OpForms)[] = [
  'explicitTransposeGrads',
  'rotateHalfAsMatMul',
  'hostCrossEntropyBackward',
  'nativeOptimizer',
  'blockGradients',
  'nativeRotary',
];

/** The forms this backend can run both ways (the native ones need native TensorFlow). */
function formsHere(): (keyof OpForms)[] {
  const nativeOnly: (keyof OpForms)[] = ['nativeOptimizer', 'nativeRotary'];
  return tf.getBackend() === 'tensorflow' ? FORMS : FORMS.filter((f) => !nativeOnly.includes(f));
}

/** Fastest wall and CPU ms of `f` (inside tidy, outputs read back) over 15 runs after 3 warm-ups. */
function timeOp(f: () => void): { wallMs: number; cpuMs: number } {
  for (let i = 0; i < 3; i++) tf.tidy(f);
  let wallMs = Infinity;
  let cpuMs = Infinity;
  for (let i = 0; i < 15; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    tf.tidy(f);
    wallMs = Math.min(wallMs, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000);
  }
  return { wallMs, cpuMs };
}

/** Each form's op alone, both settings, at the shapes of the demo step. */
function isolatedOps(): void {
  const x = tf.randomNormal([1024, 128]);
  const w = tf.randomNormal([128, 8192]);
  const q = tf.randomNormal([8, 4, 128, 32]);
  const kv = tf.randomNormal([8, 2, 128, 32]);
  const rotaryTables = new RotaryEmbedding(32, computeInvFreq(DEMO_MODEL.config), 128).tables(
    Int32Array.from({ length: 8 * 128 }, (_, i) => i % 128),
    8,
    128,
  );
  const logits = tf.randomNormal([1024, 8192]);
  const gate = tf.randomNormal([1024, 512]);
  const up = tf.randomNormal([1024, 512]);
  const normWeight = tf.ones([128]) as tf.Tensor1D;
  const labels = Int32Array.from({ length: 1024 }, (_, i) => (i * 37) % 8192);
  // The optimizer over the demo's embedding and one layer's MLP (~1.8M parameters).
  const params = new Map(
    [[8192, 128], [128, 512], [128, 512], [512, 128], [128]].map(
      (shape, i) => [`p${i}`, tf.variable(tf.randomNormal(shape))] as const,
    ),
  );
  const optimizer = new AdamW(params, DEFAULT_ADAMW, new Set(['p0', 'p1', 'p2', 'p3']));
  const grads = Object.fromEntries([...params].map(([n, p]) => [n, tf.randomNormal(p.shape)]));
  const ops: Record<keyof OpForms, () => void> = {
    explicitTransposeGrads: () =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(fastMatMul(a, b)))([x, w])
        .forEach((g) => g.dataSync()),
    rotateHalfAsMatMul: () =>
      void tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(rotateHalf(a as tf.Tensor4D), a)))(q)
        .dataSync(),
    hostCrossEntropyBackward: () =>
      void tf
        .grad((l: tf.Tensor) => crossEntropySum(l as tf.Tensor2D, labels, 1 / 1024))(logits)
        .dataSync(),
    blockGradients: () =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(
            tf.mul(
              swiGlu(b as tf.Tensor2D, c as tf.Tensor2D),
              tf.tile(rmsNorm(a as tf.Tensor2D, normWeight, 1e-6), [1, 4]),
            ),
          ),
        )([x, gate, up])
        .forEach((g) => g.dataSync()),
    nativeOptimizer: () => void optimizer.step(grads, 1e-3, 1),
    nativeRotary: () =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) => {
          const [qe, ke] = applyRotaryPosEmb(a as tf.Tensor4D, b as tf.Tensor4D, rotaryTables);
          return tf.add(tf.sum(tf.mul(qe, a)), tf.sum(tf.mul(ke, b)));
        })([q, kv])
        .forEach((g) => g.dataSync()),
  };
  console.log('op alone (forward + backward), fastest of 15:');
  for (const form of formsHere()) {
    for (const on of [true, false]) {
      setOpForms({ [form]: on });
      const r = timeOp(ops[form]);
      console.log(
        `  ${`${form}: ${on}`.padEnd(38)} ${r.wallMs.toFixed(1).padStart(7)} ms wall ${r.cpuMs.toFixed(1).padStart(7)} ms cpu`,
      );
    }
  }
  setOpForms({});
  optimizer.dispose();
  tf.dispose([x, w, q, logits, gate, up, normWeight, ...params.values(), ...Object.values(grads)]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      mode: { type: 'string', default: 'full' },
    },
  });
  const backend = await initBackend();
  const defaults = opForms();
  isolatedOps();
  const { model, trainer } = stepTrainer(values.mode as TrainMode, 1_000_000);
  const variants: { label: string; forms: Partial<OpForms> }[] = [
    { label: `engine default on ${backend.name}`, forms: {} },
    ...formsHere().map((f) => ({ label: `${f}: ${!defaults[f]}`, forms: { [f]: !defaults[f] } })),
  ];
  const times = variants.map(() => [] as number[]);
  // CPU time (all threads) as well: on a loaded machine it tracks the work done better than wall.
  const cpu = variants.map(() => [] as number[]);
  trainer.trainStep(); // warm-up
  for (let r = 0; r < Number(values.rounds); r++) {
    variants.forEach((v, i) => {
      setOpForms(v.forms);
      trainer.trainStep(); // the first step after a switch builds new kernels
      const c0 = process.cpuUsage();
      times[i]!.push(trainer.trainStep().timings.stepMs);
      const c = process.cpuUsage(c0);
      cpu[i]!.push((c.user + c.system) / 1000);
    });
  }
  setOpForms({});
  console.log(`whole steps; defaults on ${backend.name}: ${JSON.stringify(defaults)}`);
  const base = Math.min(...times[0]!);
  const baseCpu = Math.min(...cpu[0]!);
  variants.forEach((v, i) => {
    const ms = Math.min(...times[i]!);
    const cpuMs = Math.min(...cpu[i]!);
    console.log(
      `${v.label.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms wall (${(ms / base).toFixed(2)}x)` +
        `  ${cpuMs.toFixed(0).padStart(6)} ms cpu (${(cpuMs / baseCpu).toFixed(2)}x)`,
    );
  });
  trainer.dispose();
  model.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
