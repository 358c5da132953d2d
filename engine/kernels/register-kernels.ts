// Registers the engine's kernels and gradients for a backend; idempotent.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build registers no gradients; the union package's bundle does (side effect).
// It shares this tfjs-core instance (one version, deduplicated in node_modules).
import '@tensorflow/tfjs';
import { ELO_MAT_MUL, fastMatMulGradConfig, fastMatMulKernelConfig } from './fast-mat-mul.js';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

const done = new Set<string>();

export function registerEngineKernels(backendName: string): void {
  if (done.has(backendName)) return;
  if (tf.getGradient(ELO_MAT_MUL) === undefined) tf.registerGradient(fastMatMulGradConfig);
  if (tf.getKernel(ELO_MAT_MUL, backendName) === undefined) {
    tf.registerKernel(fastMatMulKernelConfig(backendName));
  }
  if (backendName === 'wasm' && tf.getKernel(tf.UnsortedSegmentSum, 'wasm') === undefined) {
    tf.registerKernel(unsortedSegmentSumWasmConfig);
  }
  done.add(backendName);
}
