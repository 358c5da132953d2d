// RMSNorm (HF LlamaRMSNorm): weight * x / sqrt(mean(x^2) + eps), over the last axis.
import * as tf from '@tensorflow/tfjs-core';

export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true); // (N, 1)
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight);
  });
}
