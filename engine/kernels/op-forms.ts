// Which form of an op the engine uses on each backend. The WASM backend needed workarounds
// (docs/engine.md, "Kernels and speed"); on native TensorFlow the plain forms are faster, so each
// workaround is taken only where it pays. Measured by bench/op-forms.ts (table in docs/engine.md).
import * as tf from '@tensorflow/tfjs-core';

export interface OpForms {
  /** matMul gradients as tf.transpose + plain matMul (WASM's transposed matMul is 10x slow). */
  explicitTransposeGrads: boolean;
  /** rotateHalf as x · R (a signed permutation) instead of slice + neg + concat. */
  rotateHalfAsMatMul: boolean;
  /** The cross-entropy backward as one host pass over the softmax instead of tensor ops. */
  hostCrossEntropyBackward: boolean;
  /**
   * AdamW as TensorFlow's fused ResourceApplyAdam on resource variables and the clip norm as
   * L2Loss (kernels/native-ops.ts): the tensor form's ~20 elementwise passes each run as their
   * own kernel. Native TensorFlow only.
   */
  nativeOptimizer: boolean;
  /**
   * RMSNorm and the SwiGLU gate with their gradients written out (tf.customGrad) instead of
   * autodiff's chains of small kernels (each eager TensorFlow op costs ~40 µs to launch).
   */
  blockGradients: boolean;
  /** Rotary embeddings as one Roll per tensor with the gradient written out (native only). */
  nativeRotary: boolean;
}

const WASM_FORMS: OpForms = {
  explicitTransposeGrads: true,
  rotateHalfAsMatMul: true,
  hostCrossEntropyBackward: true,
  nativeOptimizer: false,
  blockGradients: false,
  nativeRotary: false,
};

const FORMS: Record<string, OpForms> = {
  wasm: WASM_FORMS,
  // The pure-JS backend is the reference fallback: the WASM forms are exact and no slower there.
  cpu: WASM_FORMS,
  tensorflow: {
    explicitTransposeGrads: false,
    rotateHalfAsMatMul: false,
    hostCrossEntropyBackward: false,
    nativeOptimizer: true,
    blockGradients: true,
    nativeRotary: true,
  },
};

let override: Partial<OpForms> = {};

/** The forms for the active backend (read per call: tests switch backends in one process). */
export function opForms(): OpForms {
  return { ...(FORMS[tf.getBackend()] ?? WASM_FORMS), ...override };
}

/** Forces forms (bench/op-forms.ts times both; tests check both agree). Returns the previous. */
export function setOpForms(forms: Partial<OpForms>): Partial<OpForms> {
  const previous = override;
  override = forms;
  return previous;
}
