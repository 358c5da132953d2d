// The WASM matMul trap, measured: transposed forms and batched products vs plain 2-D products,
// and the engine's fastMatMul (explicit transposes; batched products split into XNNPACK calls).
//   npm run build && node dist/bench/mat-mul-forms.js
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend.js';
import { fastMatMul } from '../engine/kernels/fast-mat-mul.js';

function time(label: string, flops: number, f: () => tf.Tensor): void {
  for (let i = 0; i < 2; i++) tf.tidy(() => void f().dataSync());
  const n = 5;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tf.tidy(() => void f().dataSync());
  const ms = (performance.now() - t0) / n;
  console.log(
    `${label.padEnd(48)} ${ms.toFixed(1).padStart(8)} ms ${(flops / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`,
  );
}

async function main(): Promise<void> {
  await initBackend();
  const x = tf.randomNormal([1024, 128]);
  const w = tf.randomNormal([128, 8192]);
  const wT = tf.transpose(w);
  const dy = tf.randomNormal([1024, 8192]);
  const f = 2 * 1024 * 128 * 8192;
  time('[1024,128]·[128,8192] plain', f, () => tf.matMul(x, w));
  time('[1024,128]·[8192,128]ᵀ transposeB', f, () => tf.matMul(x, wT, false, true));
  time('  tf.transpose + plain', f, () => tf.matMul(x, tf.transpose(wT)));
  time('[1024,128]ᵀ·[1024,8192] transposeA (dW)', f, () => tf.matMul(x, dy, true, false));
  time('  tf.transpose + plain', f, () => tf.matMul(tf.transpose(x), dy));
  const q = tf.randomNormal([8, 2, 256, 32]);
  const k = tf.randomNormal([8, 2, 32, 128]);
  const fa = 2 * 16 * 256 * 32 * 128;
  time('attention scores [8,2,256,32]·[8,2,32,128] tf.matMul', fa, () => tf.matMul(q, k));
  time('  fastMatMul (per-entry XNNPACK)', fa, () => fastMatMul(q, k));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
