// Rotary position embeddings (HF LlamaRotaryEmbedding), with the 'llama3' rope_scaling type. Tables are computed on the host in float32 steps, like HF.
import * as tf from '@tensorflow/tfjs-core';
import { fastMatMul } from '../kernels/fast-mat-mul.js';
import { roll } from '../kernels/native-ops.js';
import { opForms } from '../kernels/op-forms.js';
import type { LlamaConfig } from './config.js';

const f32 = Math.fround;

/** inv_freq[i] = 1 / theta^(2i/dim), then adjusted by rope_scaling (HF _compute_*_parameters). */
export function computeInvFreq(config: LlamaConfig): Float32Array {
  const dim = config.headDim;
  const invFreq = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    invFreq[i] = f32(1 / f32(Math.pow(config.ropeTheta, f32((2 * i) / dim))));
  }
  const rs = config.ropeScaling;
  if (!rs) return invFreq;
  // llama3: long wavelengths scaled down by `factor`, short ones kept, a smooth ramp between.
  const oldContextLen = rs.originalMaxPositionEmbeddings;
  const lowFreqWavelen = oldContextLen / rs.lowFreqFactor;
  const highFreqWavelen = oldContextLen / rs.highFreqFactor;
  return invFreq.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f32(f / rs.factor);
    const smooth =
      (oldContextLen / wavelen - rs.lowFreqFactor) / (rs.highFreqFactor - rs.lowFreqFactor);
    return f32(((1 - smooth) * f) / rs.factor + smooth * f);
  });
}

/** cos/sin tables (maxPositions, headDim): emb = cat(freqs, freqs) as in HF. */
export class RotaryEmbedding {
  readonly cos: Float32Array;
  readonly sin: Float32Array;

  constructor(
    readonly headDim: number,
    readonly invFreq: Float32Array,
    readonly maxPositions: number,
  ) {
    const half = headDim / 2;
    this.cos = new Float32Array(maxPositions * headDim);
    this.sin = new Float32Array(maxPositions * headDim);
    for (let p = 0; p < maxPositions; p++) {
      for (let i = 0; i < half; i++) {
        const angle = f32(invFreq[i]! * p);
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        this.cos[p * headDim + i] = this.cos[p * headDim + i + half] = c;
        this.sin[p * headDim + i] = this.sin[p * headDim + i + half] = s;
      }
    }
  }

  /** The tables for the given positions, shaped (B, 1, T, headDim) to broadcast over heads. */
  tables(positionIds: Int32Array, batchSize: number, seqLen: number): RotaryTables {
    const hd = this.headDim;
    const cos = new Float32Array(positionIds.length * hd);
    const sin = new Float32Array(positionIds.length * hd);
    positionIds.forEach((p, i) => {
      if (p < 0 || p >= this.maxPositions) {
        throw new Error(`position ${p} outside the rotary table (size ${this.maxPositions})`);
      }
      cos.set(this.cos.subarray(p * hd, (p + 1) * hd), i * hd);
      sin.set(this.sin.subarray(p * hd, (p + 1) * hd), i * hd);
    });
    const sinSigned = sin.map((s, j) => (j % hd < hd / 2 ? -s : s));
    const shape: [number, number, number, number] = [batchSize, 1, seqLen, hd];
    return {
      cos: tf.tensor4d(cos, shape),
      sin: tf.tensor4d(sin, shape),
      sinSigned: tf.tensor4d(sinSigned, shape),
    };
  }
}

/** cos and sin per position, and sin with its first half negated (the Roll form below). */
export interface RotaryTables {
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  sinSigned: tf.Tensor4D;
}

/**
 * The signed permutation R with x·R = rotateHalf(x) = cat(-x2, x1): R[i + half, i] = -1 and
 * R[i, i + half] = 1. As a matrix, rotateHalf is one small matMul forward and backward instead of
 * split + neg + concat (slice kernels are slow on WASM).
 */
export function rotateHalfMatrix(headDim: number): Float32Array {
  const half = headDim / 2;
  const r = new Float32Array(headDim * headDim);
  for (let i = 0; i < half; i++) {
    r[(i + half) * headDim + i] = -1;
    r[i * headDim + i + half] = 1;
  }
  return r;
}

/** rotateHalf(x) = cat(-x2, x1) over the last axis; as x · R where slices are slow (WASM). */
export function rotateHalf(x: tf.Tensor4D): tf.Tensor4D {
  const hd = x.shape[3];
  if (!opForms().rotateHalfAsMatMul) {
    const [x1, x2] = tf.split(x, 2, 3);
    return tf.concat([tf.neg(x2!), x1!], 3) as tf.Tensor4D;
  }
  const r = tf.tensor2d(rotateHalfMatrix(hd), [hd, hd]);
  const flat = tf.reshape(x, [-1, hd]) as tf.Tensor2D; // (B*n*T, hd)
  return tf.reshape(fastMatMul(flat, r), x.shape) as tf.Tensor4D;
}

export function applyRotaryPosEmb(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  tables: RotaryTables,
): [tf.Tensor4D, tf.Tensor4D] {
  if (opForms().nativeRotary) return nativeRotary(q, k, tables);
  const { cos, sin } = tables;
  const qEmbed = tf.add(tf.mul(q, cos), tf.mul(rotateHalf(q), sin)) as tf.Tensor4D;
  const kEmbed = tf.add(tf.mul(k, cos), tf.mul(rotateHalf(k), sin)) as tf.Tensor4D;
  return [qEmbed, kEmbed];
}

/**
 * The same on native TensorFlow, with the gradient written out. The tables' sin halves are equal,
 * so rotateHalf(x)·sin = cat(-x2, x1)·cat(s, s) = swap(x)·cat(-s, s), and swapping the halves is
 * one Roll by hd/2 (its own inverse): x·cos + roll(x)·sinSigned forward, dx = dy·cos +
 * roll(dy·sinSigned) backward, 4 kernels each way where split, neg, concat and autodiff run ~7.
 * Bit-identical to the form above: (-a)·b = a·(-b) and a + b = b + a in IEEE arithmetic.
 */
function nativeRotary(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  { cos, sinSigned }: RotaryTables,
): [tf.Tensor4D, tf.Tensor4D] {
  const half = q.shape[3] / 2;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([cos, sinSigned]);
    return {
      value: tf.add(tf.mul(x, cos), tf.mul(roll(x, half, 3), sinSigned)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [c, s] = saved as [tf.Tensor4D, tf.Tensor4D];
        return tf.add(tf.mul(dy, c), roll(tf.mul(dy, s), half, 3));
      },
    };
  });
  const qEmbed = f(q);
  const kEmbed = f(k);
  return [qEmbed as tf.Tensor4D, kEmbed as tf.Tensor4D];
}
