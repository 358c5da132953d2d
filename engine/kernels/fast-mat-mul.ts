// A matMul whose backward pass uses explicit transposes.
//
// On WASM, matMul with transposeA/transposeB runs 10-14x slower than tf.transpose followed by a
// plain matMul, and tfjs's own BatchMatMul gradient uses exactly those transposed forms. This
// kernel ('EloMatMul') runs the backend's plain BatchMatMul forward and registers a gradient that
// transposes explicitly. Each input's gradient is a separate closure, so the tape only computes
// the ones on a path to a requested variable (a frozen weight costs no dW matmul).
import * as tf from '@tensorflow/tfjs-core';
import { opForms } from './op-forms.js';
import { wasmBatchedMatMul } from './wasm-batched-mat-mul.js';

export const ELO_MAT_MUL = 'EloMatMul';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Kernel for one backend: delegates to that backend's BatchMatMul with no transposes. */
export function fastMatMulKernelConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: ELO_MAT_MUL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const batch = tf.util.sizeFromShape(a.shape.slice(0, -2));
      if (backendName === 'wasm' && batch > 1) {
        const [m, k] = a.shape.slice(-2) as [number, number];
        const n = b.shape[b.shape.length - 1]!;
        const out = wasmBatchedMatMul(
          { ...a, shape: [batch, m, k] },
          { ...b, shape: [batch, k, n] },
          backend as tf.KernelBackend,
        );
        return { ...out, shape: [...a.shape.slice(0, -2), m, n] };
      }
      const batchMatMul = tf.getKernel(tf.BatchMatMul, backendName);
      return batchMatMul.kernelFunc({
        inputs,
        backend,
        attrs: { transposeA: false, transposeB: false },
      });
    },
  };
}

export const fastMatMulGradConfig: tf.GradConfig = {
  kernelName: ELO_MAT_MUL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const g = dy as tf.Tensor;
    if (!opForms().explicitTransposeGrads) {
      // Native BLAS reads transposed operands in place: no transpose copies.
      return { a: () => tf.matMul(g, b, false, true), b: () => tf.matMul(a, g, true, false) };
    }
    return {
      // dA = dy · Bᵀ, dB = Aᵀ · dy, each with the transpose done as its own op.
      a: () => fastMatMul(g, tf.transpose(b, swapLastTwo(b.rank))),
      b: () => fastMatMul(tf.transpose(a, swapLastTwo(a.rank)), g),
    };
  },
};

/**
 * a · b for a [..., m, k] and b [..., k, n] with equal ranks and equal leading (batch) dims.
 * No broadcasting: the gradient would need a reduction we do not write.
 */
export function fastMatMul<R extends tf.Rank>(a: tf.Tensor<R>, b: tf.Tensor<R>): tf.Tensor<R> {
  if (a.rank !== b.rank || a.rank < 2) {
    throw new Error(`fastMatMul: ranks must match and be >= 2, got [${a.shape}] · [${b.shape}]`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (!tf.util.arraysEqual(batchA, batchB) || a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
    throw new Error(`fastMatMul: incompatible shapes [${a.shape}] · [${b.shape}]`);
  }
  return tf.engine().runKernel(ELO_MAT_MUL, { a, b }) as tf.Tensor<R>;
}
