// AdamW (Loshchilov & Hutter): Adam moments with bias correction and decoupled weight decay.
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors.js';
import type { HostTensor, HostWeights } from '../model/weights.js';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number; // decoupled: p -= lr * weightDecay * p, only for `decayed` parameters
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

interface Slot {
  param: tf.Variable;
  m: tf.Variable; // exp_avg
  v: tf.Variable; // exp_avg_sq
  decay: boolean;
}

/** Optimizer state only for the parameters it is given (frozen ones get none). */
export class AdamW {
  private readonly slots = new Map<string, Slot>();
  /** Number of updates applied (bias correction uses it). */
  stepCount = 0;

  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    readonly config: AdamWConfig,
    /** Parameters that get weight decay (by convention matrices, not norms or biases). */
    decayed: ReadonlySet<string>,
  ) {
    for (const [name, param] of params) {
      this.slots.set(name, {
        param,
        m: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        decay: decayed.has(name),
      });
    }
  }

  get names(): string[] {
    return [...this.slots.keys()];
  }

  /** One update with learning rate `lr`; `grads` holds a gradient for every parameter. */
  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.stepCount++;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.stepCount);
    const bc2 = 1 - Math.pow(beta2, this.stepCount);
    for (const [name, s] of this.slots) {
      const g = grads[name];
      if (!g) throw new Error(`AdamW: no gradient for ${name}`);
      tf.tidy(() => {
        const m = tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        s.m.assign(m);
        s.v.assign(v);
        const mHat = tf.div(m, bc1);
        const vHat = tf.div(v, bc2);
        let update = tf.div(mHat, tf.add(tf.sqrt(vHat), eps));
        if (s.decay && weightDecay > 0) update = tf.add(update, tf.mul(s.param, weightDecay));
        s.param.assign(tf.sub(s.param, tf.mul(update, lr)));
      });
    }
  }

  /** Moments in the parameters' storage layout, named `<param>.exp_avg` / `<param>.exp_avg_sq`. */
  exportState(): HostWeights {
    const out: HostWeights = new Map();
    for (const [name, s] of this.slots) {
      out.set(`${name}.exp_avg`, { shape: [...s.m.shape], data: s.m.dataSync() as Float32Array });
      out.set(`${name}.exp_avg_sq`, {
        shape: [...s.v.shape],
        data: s.v.dataSync() as Float32Array,
      });
    }
    return out;
  }

  /** exportState's tensors, each read from the backend only when written (bounded memory). */
  exportStateLazy(): Map<string, { shape: number[]; read: () => Float32Array }> {
    const out = new Map<string, { shape: number[]; read: () => Float32Array }>();
    for (const [name, s] of this.slots) {
      out.set(`${name}.exp_avg`, {
        shape: [...s.m.shape],
        read: () => s.m.dataSync() as Float32Array,
      });
      out.set(`${name}.exp_avg_sq`, {
        shape: [...s.v.shape],
        read: () => s.v.dataSync() as Float32Array,
      });
    }
    return out;
  }

  /** Restores moments written by exportState; every slot must be present with its shape. */
  importState(state: HostWeights, stepCount: number, source = '<optimizer>'): void {
    const pairs: [tf.Variable, HostTensor][] = [];
    for (const [name, s] of this.slots) {
      for (const [suffix, variable] of [
        ['exp_avg', s.m],
        ['exp_avg_sq', s.v],
      ] as const) {
        const key = `${name}.${suffix}`;
        const t = state.get(key);
        if (!t) throw new ShapeMismatchError(source, key, variable.shape, 'missing');
        if (!tf.util.arraysEqual(t.shape, variable.shape)) {
          throw new ShapeMismatchError(source, key, variable.shape, t.shape);
        }
        pairs.push([variable, t]);
      }
    }
    // Checked everything first: a mismatch leaves the optimizer as it was.
    for (const [variable, t] of pairs) {
      tf.tidy(() => variable.assign(tf.tensor(t.data, t.shape, 'float32')));
    }
    this.stepCount = stepCount;
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}
