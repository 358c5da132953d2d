// AdamW (Loshchilov & Hutter): Adam moments with bias correction and decoupled weight decay.
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors.js';
import { opForms } from '../kernels/op-forms.js';
import { forgetTraced, runTraced } from '../kernels/step-trace.js';
import type { HostWeights } from '../model/weights.js';
import { NativeMoments } from './adamw-native.js';
import { clipScale, globalNorm } from './grad-clip.js';

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
 *
 * On native TensorFlow (opForms().nativeOptimizer) the chunk's moments are instead TensorFlow
 * resource variables updated by its fused Adam kernel (adamw-native.ts). Host arrays hold them
 * before the first update and after a restore; they move to the form that runs when it changes
 * (a bench switching forms).
 */
interface Chunk {
  slots: Slot[];
  size: number;
  moments:
    | { on: 'device'; m: tf.Variable; v: tf.Variable }
    | { on: 'native'; native: NativeMoments }
    | HostMoments;
  /** weightDecay for decayed parameters' elements, 0 elsewhere (tensor form only). */
  decayScale: tf.Tensor1D | null;
}

interface HostMoments {
  on: 'host';
  m: Float32Array; // exp_avg, flat
  v: Float32Array; // exp_avg_sq, flat
}

let optimizers = 0;

/** Elements per chunk: bounds the transient flat copies (gradients, parameters) to ~16 MB each. */
const CHUNK_ELEMENTS = 1 << 22;

/** Optimizer state only for the parameters it is given (frozen ones get none). */
export class AdamW {
  private readonly chunks: Chunk[] = [];
  private readonly slotNames: string[] = [];
  /** Number of updates applied (bias correction uses it). */
  stepCount = 0;
  private readonly traceKey = `adamw#${++optimizers}`;

  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    readonly config: AdamWConfig,
    /** Parameters that get weight decay (by convention matrices, not norms or biases). */
    decayed: ReadonlySet<string>,
  ) {
    let group: Slot[] = [];
    let size = 0;
    const close = () => {
      if (group.length) {
        this.chunks.push({
          slots: group,
          size,
          moments: { on: 'host', m: new Float32Array(size), v: new Float32Array(size) },
          decayScale: null,
        });
      }
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

  get names(): string[] {
    return [...this.slotNames];
  }

  /**
   * Clips the gradients to global norm `maxNorm` (null: no clipping) and applies one update;
   * returns the norm before clipping.
   */
  step(grads: Record<string, tf.Tensor>, lr: number, maxNorm: number | null): number {
    const norm = globalNorm(
      this.slotNames.map((n) => gradOf(grads, n)),
      `${this.traceKey}:norm`,
    );
    this.apply(grads, lr, maxNorm === null ? 1 : clipScale(norm, maxNorm));
    return norm;
  }

  /**
   * One update with learning rate `lr`; `grads` holds a gradient for every parameter, multiplied
   * by `gradScale` first (gradient clipping, applied on the flat vector: one kernel, not one per
   * parameter).
   */
  apply(grads: Record<string, tf.Tensor>, lr: number, gradScale = 1): void {
    this.stepCount++;
    if (opForms().nativeOptimizer) this.applyNative(grads, lr, gradScale);
    else this.applyOnDevice(grads, lr, gradScale);
  }

  private applyNative(grads: Record<string, tf.Tensor>, lr: number, gradScale: number): void {
    const { beta1, beta2, eps, weightDecay } = this.config;
    const u = { beta1, beta2, eps, weightDecay, lr, gradScale, stepCount: this.stepCount };
    // Made before the traced region: the moments' variables outlive it.
    const moments = this.chunks.map((c) => this.nativeMoments(c));
    const clipped = gradScale === 1 ? 'unscaled' : 'scaled'; // two op sequences
    runTraced(`${this.traceKey}:update:${clipped}`, () => {
      this.chunks.forEach((c, i) => {
        moments[i]!.update(
          c.slots.map((s) => gradOf(grads, s.name)),
          u,
        );
      });
    });
  }

  private applyOnDevice(grads: Record<string, tf.Tensor>, lr: number, gradScale: number): void {
    const { beta1, beta2, eps } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.stepCount);
    const bc2 = 1 - Math.pow(beta2, this.stepCount);
    for (const c of this.chunks) {
      const moments = this.deviceMoments(c);
      const decayScale = (c.decayScale ??= this.decayScaleOf(c));
      tf.tidy(() => {
        const flat = (ts: tf.Tensor[]) =>
          ts.length === 1
            ? tf.reshape(ts[0]!, [-1])
            : tf.concat(ts.map((t) => tf.reshape(t, [-1])));
        const raw = flat(c.slots.map((s) => gradOf(grads, s.name)));
        const g = gradScale === 1 ? raw : tf.mul(raw, gradScale);
        const p = flat(c.slots.map((s) => s.param));
        const m = tf.add(tf.mul(moments.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(moments.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        moments.m.assign(m);
        moments.v.assign(v);
        const mHat = tf.div(m, bc1);
        const vHat = tf.div(v, bc2);
        const update = tf.add(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), tf.mul(p, decayScale));
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

  private decayScaleOf(c: Chunk): tf.Tensor1D {
    const scale = new Float32Array(c.size);
    let at = 0;
    for (const s of c.slots) {
      if (s.decay) scale.fill(this.config.weightDecay, at, at + s.size);
      at += s.size;
    }
    // Cached across updates: kept, so a caller's tidy around step() does not free it.
    return tf.keep(tf.tensor1d(scale));
  }

  /** The chunk's moments as host arrays, moved off the device if they were there. */
  private hostMoments(c: Chunk): HostMoments {
    if (c.moments.on === 'host') return c.moments;
    const { m, v } = this.readMoments(c);
    this.disposeMoments(c);
    c.moments = { on: 'host', m: Float32Array.from(m), v: Float32Array.from(v) };
    return c.moments;
  }

  /** The chunk's moments as variables (the tensor form). */
  private deviceMoments(c: Chunk): { m: tf.Variable; v: tf.Variable } {
    if (c.moments.on === 'device') return c.moments;
    const { m, v } = this.hostMoments(c);
    c.moments = {
      on: 'device',
      m: tf.tidy(() => tf.variable(tf.tensor1d(m), false)),
      v: tf.tidy(() => tf.variable(tf.tensor1d(v), false)),
    };
    return c.moments;
  }

  /** The chunk's moments as TensorFlow resource variables (the native form). */
  private nativeMoments(c: Chunk): NativeMoments {
    if (c.moments.on === 'native') return c.moments.native;
    const { m, v } = this.hostMoments(c);
    const native = new NativeMoments(c.slots, m, v);
    c.moments = { on: 'native', native };
    return native;
  }

  /** The chunk's flat moments on the host: the host arrays themselves, or a copy read back. */
  private readMoments(c: Chunk): { m: Float32Array; v: Float32Array } {
    switch (c.moments.on) {
      case 'host':
        return c.moments;
      case 'native':
        return c.moments.native.toHost(c.size);
      case 'device':
        return {
          m: c.moments.m.dataSync() as Float32Array,
          v: c.moments.v.dataSync() as Float32Array,
        };
    }
  }

  private disposeMoments(c: Chunk): void {
    if (c.moments.on === 'device') tf.dispose([c.moments.m, c.moments.v]);
    if (c.moments.on === 'native') c.moments.native.dispose();
  }

  /** Bytes of the moments that tf.memory() does not count (TensorFlow resource variables). */
  untrackedBytes(): number {
    return this.chunks.reduce((n, c) => n + (c.moments.on === 'native' ? 8 * c.size : 0), 0);
  }

  /** Moments in the parameters' storage layout, named `<param>.exp_avg` / `<param>.exp_avg_sq`. */
  exportState(): HostWeights {
    const out: HostWeights = new Map();
    for (const c of this.chunks) {
      const { m, v } = this.readMoments(c);
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
   * exportState's tensors, read from the backend only when written: a chunk's flat moments are
   * copied to the host when its first tensor is written (memory bounded by one chunk, ~16 MB).
   */
  exportStateLazy(): Map<string, { shape: number[]; read: () => Float32Array }> {
    const out = new Map<string, { shape: number[]; read: () => Float32Array }>();
    for (const c of this.chunks) {
      let read: { m: Float32Array; v: Float32Array } | undefined;
      let at = 0;
      for (const s of c.slots) {
        const [from, to] = [at, at + s.size];
        const shape = [...s.param.shape];
        out.set(`${s.name}.exp_avg`, {
          shape,
          read: () => (read ??= this.readMoments(c)).m.slice(from, to),
        });
        out.set(`${s.name}.exp_avg_sq`, {
          shape: [...shape],
          read: () => (read ??= this.readMoments(c)).v.slice(from, to),
        });
        at += s.size;
      }
    }
    return out;
  }

  /** Restores moments written by exportState; every slot must be present with its shape. */
  importState(state: HostWeights, stepCount: number, source = '<optimizer>'): void {
    const flats: [Chunk, Float32Array, Float32Array][] = [];
    for (const c of this.chunks) {
      const m = new Float32Array(c.size);
      const v = new Float32Array(c.size);
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
      flats.push([c, m, v]);
    }
    // Checked everything first: a mismatch leaves the optimizer as it was. The moments land on
    // the host; the form that runs moves them at its next update.
    for (const [c, m, v] of flats) {
      this.disposeMoments(c);
      c.moments = { on: 'host', m, v };
    }
    this.stepCount = stepCount;
  }

  dispose(): void {
    forgetTraced(`${this.traceKey}:`);
    for (const c of this.chunks) {
      this.disposeMoments(c);
      c.decayScale?.dispose();
    }
    this.chunks.length = 0;
    this.slotNames.length = 0;
  }
}

function gradOf(grads: Record<string, tf.Tensor>, name: string): tf.Tensor {
  const t = grads[name];
  if (!t) throw new Error(`AdamW: no gradient for ${name}`);
  return t;
}
