// Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_).
import * as tf from '@tensorflow/tfjs-core';
import { l2Loss } from '../kernels/native-ops.js';
import { opForms } from '../kernels/op-forms.js';
import { runTraced } from '../kernels/step-trace.js';

/**
 * sqrt(sum over all gradients of sum(g^2)), as a host number. With a traceKey the norm's ops run
 * as one traced region (kernels/step-trace.ts); the read to the host comes after it.
 */
export function globalNorm(grads: readonly tf.Tensor[], traceKey?: string): number {
  if (grads.length === 0) return 0;
  // Native TensorFlow: L2Loss is sum(g²)/2 in one kernel instead of square + sum.
  const native = opForms().nativeOptimizer;
  const sumSq = (g: tf.Tensor) => (native ? l2Loss(g) : tf.sum(tf.square(g)));
  const norm = () =>
    tf.tidy(() => {
      const total = tf.addN(grads.map(sumSq));
      return tf.sqrt(native ? tf.mul(total, 2) : total);
    });
  const t = traceKey ? runTraced(traceKey, norm).value : norm();
  const value = t.dataSync()[0]!;
  t.dispose();
  return value;
}

/** The factor clipping to `maxNorm` multiplies gradients of global norm `norm` by. */
export function clipScale(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}

/**
 * Scales every gradient by min(1, maxNorm / (norm + 1e-6)); returns new tensors (the inputs are
 * left to the caller) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const norm = globalNorm(Object.values(grads));
  const scale = clipScale(norm, maxNorm);
  const out: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) out[name] = tf.mul(g, scale);
  return { grads: out, norm };
}
