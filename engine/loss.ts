// Token-level cross-entropy with a hand-written gradient: softmax(logits) - onehot(label).
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX } from './batch.js';

/**
 * scale * sum over positions with a label of -log softmax(logits)[label].
 * With scale = 1/(number of targets in the whole optimizer step), summing this over
 * gradient-accumulation micro-batches gives the per-token mean over the step.
 * logits (N, V); labels (N) with IGNORE_INDEX for positions without a target.
 */
export function crossEntropySum(logits: tf.Tensor2D, labels: Int32Array, scale: number): tf.Scalar {
  const [n, vocab] = logits.shape;
  if (labels.length !== n) throw new Error(`labels: ${labels.length} for ${n} logit rows`);
  const safeLabels = new Int32Array(n);
  const weights = new Float32Array(n);
  const flatIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    const valid = l !== IGNORE_INDEX;
    if (valid && (l < 0 || l >= vocab)) throw new Error(`label ${l} outside vocab ${vocab}`);
    safeLabels[i] = valid ? l : 0;
    weights[i] = valid ? 1 : 0;
    flatIdx[i] = i * vocab + safeLabels[i]!;
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [logitsIn, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const w = tf.tensor1d(weights);
    // Stable log-softmax pieces, computed once: the backward reuses probs (8M exps saved).
    const max = tf.max(logitsIn, -1, true); // (N, 1)
    const exps = tf.exp(tf.sub(logitsIn, max)); // (N, V)
    const sumExp = tf.sum(exps, -1, true); // (N, 1)
    const lse = tf.reshape(tf.add(tf.log(sumExp), max), [n]); // (N)
    const probs = tf.div(exps, sumExp); // (N, V)
    const picked = tf.gather(tf.reshape(logitsIn, [-1]), tf.tensor1d(flatIdx, 'int32')); // (N)
    const value = tf.mul(tf.sum(tf.mul(tf.sub(lse, picked), w)), scale) as tf.Scalar;
    save([probs, w]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [probsSaved, wSaved] = saved as [tf.Tensor2D, tf.Tensor1D];
        const onehot = tf.oneHot(tf.tensor1d(safeLabels, 'int32'), vocab, 1, 0, 'float32');
        const rowScale = tf.expandDims(tf.mul(tf.mul(wSaved, scale), dy), 1); // (N, 1)
        return tf.mul(tf.sub(probsSaved, onehot), rowScale);
      },
    };
  });
  return f(logits) as tf.Scalar;
}
