// AdamW (Loshchilov & Hutter): Adam moments with bias correction and decoupled weight decay.
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors.js';
import type { HostWeights } from '../model/weights.js';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number; // decoupled: p -= lr * weightDecay * p, only for `decayed` parameters
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

interface Slot {
  name: string;
  param: tf.Variable;
  size: number;
  decay: boolean;
}

/**
 * Consecutive parameters whose update runs as one flat vector: the moments live flat, the
 * gradients and parameters are concatenated, the dozen AdamW ops run once, and the result is
 * split back. Per-tensor AdamW is ~12 kernels per parameter (~900 for the demo model), and on
 * native TensorFlow each kernel launch costs more than its arithmetic at these sizes. The math
 * per element is unchanged (a parameter without decay adds p * 0).
 */
interface Chunk {
  slots: Slot[];
  m: tf.Variable; // exp_avg, flat
  v: tf.Variable; // exp_avg_sq, flat
  /** weightDecay for decayed parameters' elements, 0 elsewhere. */
  decayScale: tf.Tensor1D;
}

/** Elements per chunk: bounds the transient flat copies (gradients, parameters) to ~16 MB each. */
const CHUNK_ELEMENTS = 1 << 22;

/** Optimizer state only for the parameters it is given (frozen ones get none). */
export class AdamW {
  private readonly chunks: Chunk[] = [];
  private readonly slotNames: string[] = [];
  /** Number of updates applied (bias correction uses it). */
  stepCount = 0;

  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    readonly config: AdamWConfig,
    /** Parameters that get weight decay (by convention matrices, not norms or biases). */
    decayed: ReadonlySet<string>,
  ) {
    let group: Slot[] = [];
    let size = 0;
    const close = () => {
      if (group.length) this.chunks.push(this.makeChunk(group, size));
      group = [];
      size = 0;
    };
    for (const [name, param] of params) {
      const slot = { name, param, size: param.size, decay: decayed.has(name) };
      if (size > 0 && size + slot.size > CHUNK_ELEMENTS) close();
      group.push(slot);
      size += slot.size;
      this.slotNames.push(name);
    }
    close();
  }

  private makeChunk(slots: Slot[], size: number): Chunk {
    const scale = new Float32Array(size);
    let at = 0;
    for (const s of slots) {
      if (s.decay) scale.fill(this.config.weightDecay, at, at + s.size);
      at += s.size;
    }
    return {
      slots,
      m: tf.tidy(() => tf.variable(tf.zeros([size]), false)),
      v: tf.tidy(() => tf.variable(tf.zeros([size]), false)),
      decayScale: tf.tensor1d(scale),
    };
  }

  get names(): string[] {
    return [...this.slotNames];
  }

  /**
   * One update with learning rate `lr`; `grads` holds a gradient for every parameter, multiplied
   * by `gradScale` first (gradient clipping, applied on the flat vector: one kernel, not one per
   * parameter).
   */
  apply(grads: Record<string, tf.Tensor>, lr: number, gradScale = 1): void {
    this.stepCount++;
    const { beta1, beta2, eps } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.stepCount);
    const bc2 = 1 - Math.pow(beta2, this.stepCount);
    for (const c of this.chunks) {
      tf.tidy(() => {
        const flat = (ts: tf.Tensor[]) =>
          ts.length === 1
            ? tf.reshape(ts[0]!, [-1])
            : tf.concat(ts.map((t) => tf.reshape(t, [-1])));
        const raw = flat(
          c.slots.map((s) => {
            const t = grads[s.name];
            if (!t) throw new Error(`AdamW: no gradient for ${s.name}`);
            return t;
          }),
        );
        const g = gradScale === 1 ? raw : tf.mul(raw, gradScale);
        const p = flat(c.slots.map((s) => s.param));
        const m = tf.add(tf.mul(c.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(c.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        c.m.assign(m);
        c.v.assign(v);
        const mHat = tf.div(m, bc1);
        const vHat = tf.div(v, bc2);
        const update = tf.add(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), tf.mul(p, c.decayScale));
        const next = tf.sub(p, tf.mul(update, lr));
        const parts =
          c.slots.length === 1
            ? [next]
            : tf.split(
                next,
                c.slots.map((s) => s.size),
              );
        c.slots.forEach((s, i) => s.param.assign(tf.reshape(parts[i]!, s.param.shape)));
      });
    }
  }

  /** Moments in the parameters' storage layout, named `<param>.exp_avg` / `<param>.exp_avg_sq`. */
  exportState(): HostWeights {
    const out: HostWeights = new Map();
    for (const c of this.chunks) {
      const m = c.m.dataSync() as Float32Array;
      const v = c.v.dataSync() as Float32Array;
      let at = 0;
      for (const s of c.slots) {
        const shape = [...s.param.shape];
        out.set(`${s.name}.exp_avg`, { shape, data: m.slice(at, at + s.size) });
        out.set(`${s.name}.exp_avg_sq`, { shape: [...shape], data: v.slice(at, at + s.size) });
        at += s.size;
      }
    }
    return out;
  }

  /**
   * exportState's tensors, each read from the backend only when written: memory holds the
   * moments of one chunk at a time (its m and v), not all of them.
   */
  exportStateLazy(): Map<string, { shape: number[]; read: () => Float32Array }> {
    const out = new Map<string, { shape: number[]; read: () => Float32Array }>();
    let chunk: Chunk | undefined;
    let cache = new Map<tf.Variable, Float32Array>();
    const reader = (c: Chunk, moment: tf.Variable, at: number, size: number) => () => {
      if (chunk !== c) [chunk, cache] = [c, new Map()];
      let data = cache.get(moment);
      if (!data) cache.set(moment, (data = moment.dataSync() as Float32Array));
      return data.slice(at, at + size);
    };
    for (const c of this.chunks) {
      let at = 0;
      for (const s of c.slots) {
        const shape = [...s.param.shape];
        out.set(`${s.name}.exp_avg`, { shape, read: reader(c, c.m, at, s.size) });
        out.set(`${s.name}.exp_avg_sq`, { shape: [...shape], read: reader(c, c.v, at, s.size) });
        at += s.size;
      }
    }
    return out;
  }

  /** Restores moments written by exportState; every slot must be present with its shape. */
  importState(state: HostWeights, stepCount: number, source = '<optimizer>'): void {
    const flats: [tf.Variable, Float32Array][] = [];
    for (const c of this.chunks) {
      const m = new Float32Array(c.m.size);
      const v = new Float32Array(c.v.size);
      let at = 0;
      for (const s of c.slots) {
        for (const [suffix, into] of [
          ['exp_avg', m],
          ['exp_avg_sq', v],
        ] as const) {
          const key = `${s.name}.${suffix}`;
          const t = state.get(key);
          if (!t) throw new ShapeMismatchError(source, key, s.param.shape, 'missing');
          if (!tf.util.arraysEqual(t.shape, s.param.shape)) {
            throw new ShapeMismatchError(source, key, s.param.shape, t.shape);
          }
          into.set(t.data, at);
        }
        at += s.size;
      }
      flats.push([c.m, m], [c.v, v]);
    }
    // Checked everything first: a mismatch leaves the optimizer as it was.
    for (const [variable, data] of flats) tf.tidy(() => variable.assign(tf.tensor1d(data)));
    this.stepCount = stepCount;
  }

  dispose(): void {
    for (const c of this.chunks) tf.dispose([c.m, c.v, c.decayScale]);
    this.chunks.length = 0;
    this.slotNames.length = 0;
  }
}
