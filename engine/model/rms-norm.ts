// RMSNorm (HF LlamaRMSNorm): weight * x / sqrt(mean(x^2) + eps), over the last axis.
import * as tf from '@tensorflow/tfjs-core';
import { opForms } from '../kernels/op-forms.js';

export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, eps: number): tf.Tensor2D {
  if (opForms().blockGradients) return rmsNormWithGrad(x, weight, eps);
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true); // (N, 1)
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight);
  });
}

/**
 * The same forward with the gradient written out: with xn = x·r, r = (mean(x²) + eps)^-½,
 * dxn = dy·w: dx = r·(dxn - xn·mean(dxn·xn)), dw = Σ_rows dy·xn. 8 kernels where autodiff's
 * chain through mean, rsqrt and the broadcasting multiplies runs ~25.
 */
function rmsNormWithGrad(x: tf.Tensor2D, weight: tf.Tensor1D, eps: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, w, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(xIn), -1, true), eps)); // (N, 1)
    const xn = tf.mul(xIn, r);
    save([xn, r, w]);
    return {
      value: tf.mul(xn, w),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xnS, rS, wS] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dxn = tf.mul(dy, wS);
        const dot = tf.mean(tf.mul(dxn, xnS), -1, true); // (N, 1)
        return [tf.mul(tf.sub(dxn, tf.mul(xnS, dot)), rS), tf.sum(tf.mul(dy, xnS), 0)];
      },
    };
  });
  return f(x, weight) as tf.Tensor2D;
}
