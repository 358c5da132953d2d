// SwiGLU MLP (HF LlamaMLP): downProj(silu(gateProj(x)) * upProj(x)).
import * as tf from '@tensorflow/tfjs-core';
import { linear } from './linear.js';
import type { ModelWeights } from './weights.js';
import { layerPrefix } from './weights.js';

export function silu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.sigmoid(x));
}

export class LlamaMlp {
  private readonly prefix: string;

  constructor(
    readonly layerIdx: number,
    private readonly weights: ModelWeights,
  ) {
    this.prefix = `${layerPrefix(layerIdx)}.mlp`;
  }

  private proj(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const w = this.weights.get(`${this.prefix}.${name}.weight`) as tf.Tensor2D;
    return linear(x, w);
  }

  /** x (B*T, hidden) -> (B*T, hidden), through (B*T, intermediate). */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.proj('down_proj', tf.mul(silu(this.proj('gate_proj', x)), this.proj('up_proj', x)));
  }
}
