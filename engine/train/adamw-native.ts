// AdamW's moments as TensorFlow resource variables, updated by its fused ResourceApplyAdam: one
// kernel per parameter instead of ~20 elementwise passes over a concatenated copy (the
// optimizer's form on native TensorFlow, see kernels/op-forms.ts).
import * as tf from '@tensorflow/tfjs-core';
import {
  assignVariable,
  readVariable,
  resourceApplyAdam,
  variableHandle,
} from '../kernels/native-ops.js';

export interface NativeSlot {
  param: tf.Variable;
  size: number;
  decay: boolean;
}

export interface NativeUpdate {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  lr: number;
  gradScale: number;
  /** The update's number t (bias correction). */
  stepCount: number;
}

export class NativeMoments {
  private readonly m: tf.Tensor[] = [];
  private readonly v: tf.Tensor[] = [];
  /** Scratch variables the update runs in; each then shares its buffer with the parameter. */
  private readonly vars: tf.Tensor[] = [];

  /** Moments from flat host arrays (the chunk's layout: slots in order). */
  constructor(
    private readonly slots: readonly NativeSlot[],
    m: Float32Array,
    v: Float32Array,
  ) {
    let at = 0;
    for (const s of slots) {
      for (const [into, from] of [
        [this.m, m],
        [this.v, v],
      ] as const) {
        // kept: the first update may run inside a caller's tidy
        const h = tf.keep(variableHandle(s.param.shape));
        tf.tidy(() => assignVariable(h, tf.tensor(from.slice(at, at + s.size), s.param.shape)));
        into.push(h);
      }
      this.vars.push(tf.keep(variableHandle(s.param.shape)));
      at += s.size;
    }
  }

  /**
   * p ← p·(1 - lr·weightDecay) (decayed parameters), then Adam on p in place. ResourceApplyAdam's
   * epsilon sits on sqrt(v) before bias correction, so eps·sqrt(1 - beta2^t) gives PyTorch's
   * form: p - lr · mHat / (sqrt(vHat) + eps).
   */
  update(grads: readonly tf.Tensor[], u: NativeUpdate): void {
    tf.tidy(() => {
      const beta2Power = Math.pow(u.beta2, u.stepCount);
      const scalars = {
        beta1Power: tf.scalar(Math.pow(u.beta1, u.stepCount)),
        beta2Power: tf.scalar(beta2Power),
        lr: tf.scalar(u.lr),
        beta1: tf.scalar(u.beta1),
        beta2: tf.scalar(u.beta2),
        epsilon: tf.scalar(u.eps * Math.sqrt(1 - beta2Power)),
      };
      this.slots.forEach((s, i) => {
        const g = u.gradScale === 1 ? grads[i]! : tf.mul(grads[i]!, u.gradScale);
        const start = s.decay ? tf.mul(s.param, 1 - u.lr * u.weightDecay) : s.param;
        assignVariable(this.vars[i]!, start);
        // The variable then holds the only reference: Adam writes it in place, with no copy.
        if (start !== s.param) start.dispose();
        resourceApplyAdam(this.vars[i]!, this.m[i]!, this.v[i]!, scalars, g);
        s.param.assign(readVariable(this.vars[i]!));
      });
    });
  }

  /** The moments as flat host arrays (the chunk's layout). */
  toHost(size: number): { m: Float32Array; v: Float32Array } {
    const m = new Float32Array(size);
    const v = new Float32Array(size);
    let at = 0;
    this.slots.forEach((s, i) => {
      tf.tidy(() => {
        m.set(readVariable(this.m[i]!).dataSync(), at);
        v.set(readVariable(this.v[i]!).dataSync(), at);
      });
      at += s.size;
    });
    return { m, v };
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v, ...this.vars]);
  }
}
