// nn.Linear with the weight stored [in, out] (see weights.ts) and the fast-backward matMul.
import * as tf from '@tensorflow/tfjs-core';
import { fastMatMul } from '../kernels/fast-mat-mul.js';

export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const y = fastMatMul(x, weight); // (N, in) · (in, out) -> (N, out)
  return bias ? tf.add(y, bias) : y;
}
