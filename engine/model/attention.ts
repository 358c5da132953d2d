// Grouped-query self-attention (HF LlamaAttention / Qwen2Attention).
import * as tf from '@tensorflow/tfjs-core';
import { fastMatMul } from '../kernels/fast-mat-mul.js';
import type { LlamaConfig } from './config.js';
import { linear } from './linear.js';
import { applyRotaryPosEmb, type RotaryTables } from './rotary.js';
import type { ModelWeights } from './weights.js';
import { layerPrefix } from './weights.js';

/** What every layer of one forward pass shares. */
export interface AttentionContext {
  batchSize: number;
  seqLen: number;
  rotary: RotaryTables; // each (B, 1, T, hd)
  mask: tf.Tensor4D; // (B, 1, T, T), additive
}

export class LlamaAttention {
  private readonly numHeads: number;
  private readonly numKeyValueHeads: number;
  private readonly headDim: number;
  private readonly prefix: string;

  constructor(
    config: LlamaConfig,
    readonly layerIdx: number,
    private readonly weights: ModelWeights,
  ) {
    this.numHeads = config.numAttentionHeads;
    this.numKeyValueHeads = config.numKeyValueHeads;
    this.headDim = config.headDim;
    this.prefix = `${layerPrefix(layerIdx)}.self_attn`;
  }

  private proj(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const w = this.weights.get(`${this.prefix}.${name}.weight`) as tf.Tensor2D;
    const biasName = `${this.prefix}.${name}.bias`;
    const b = this.weights.has(biasName) ? (this.weights.get(biasName) as tf.Tensor1D) : undefined;
    return linear(x, w, b);
  }

  /** x (B*T, hidden) -> (B*T, hidden). */
  forward(x: tf.Tensor2D, ctx: AttentionContext): tf.Tensor2D {
    const { batchSize: B, seqLen: T } = ctx;
    const nh = this.numHeads;
    const nkv = this.numKeyValueHeads;
    const hd = this.headDim;
    const heads = (y: tf.Tensor2D, n: number): tf.Tensor4D =>
      tf.transpose(tf.reshape(y, [B, T, n, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // (B, n, T, hd)

    let q = heads(this.proj('q_proj', x), nh);
    let k = heads(this.proj('k_proj', x), nkv);
    const v = heads(this.proj('v_proj', x), nkv);
    [q, k] = applyRotaryPosEmb(q, k, ctx.rotary);

    // repeatKv without the copy: the nRep query heads that share kv head g are heads
    // g*nRep .. g*nRep+nRep-1 (HF repeat_kv order), contiguous in q, so grouping them is a reshape.
    const nRep = nh / nkv;
    const qGrouped = tf.reshape(tf.mul(q, 1 / Math.sqrt(hd)), [B, nkv, nRep * T, hd]);
    const kT = tf.transpose(k, [0, 1, 3, 2]); // (B, nkv, hd, T)
    const scores = tf.reshape(fastMatMul(qGrouped, kT), [B, nh, T, T]); // (B, nh, T, T)
    const probs = tf.softmax(tf.add(scores, ctx.mask), -1); // mask (B, 1, T, T) broadcasts
    const probsGrouped = tf.reshape(probs, [B, nkv, nRep * T, T]);
    const out = tf.reshape(fastMatMul(probsGrouped, v), [B, nh, T, hd]); // (B, nh, T, hd)
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B * T, nh * hd]) as tf.Tensor2D; // (B*T, nh*hd)
    return this.proj('o_proj', merged);
  }
}
