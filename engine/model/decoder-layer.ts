// One pre-norm decoder block (HF LlamaDecoderLayer).
import * as tf from '@tensorflow/tfjs-core';
import { type AttentionContext, LlamaAttention } from './attention.js';
import type { LlamaConfig } from './config.js';
import { LlamaMlp } from './mlp.js';
import { rmsNorm } from './rms-norm.js';
import type { ModelWeights } from './weights.js';
import { layerPrefix } from './weights.js';

export class LlamaDecoderLayer {
  private readonly selfAttn: LlamaAttention;
  private readonly mlp: LlamaMlp;
  private readonly prefix: string;

  constructor(
    private readonly config: LlamaConfig,
    readonly layerIdx: number,
    private readonly weights: ModelWeights,
  ) {
    this.selfAttn = new LlamaAttention(config, layerIdx, weights);
    this.mlp = new LlamaMlp(layerIdx, weights);
    this.prefix = layerPrefix(layerIdx);
  }

  private norm(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const w = this.weights.get(`${this.prefix}.${name}.weight`) as tf.Tensor1D;
    return rmsNorm(x, w, this.config.rmsNormEps);
  }

  /** hidden (B*T, hiddenSize) -> (B*T, hiddenSize). */
  forward(hidden: tf.Tensor2D, ctx: AttentionContext): tf.Tensor2D {
    let residual = hidden;
    let h = this.selfAttn.forward(this.norm('input_layernorm', hidden), ctx);
    h = tf.add(residual, h);
    residual = h;
    h = this.mlp.forward(this.norm('post_attention_layernorm', h));
    return tf.add(residual, h);
  }
}
