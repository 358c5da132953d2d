// SwiGLU MLP (HF LlamaMLP): downProj(silu(gateProj(x)) * upProj(x)).
import * as tf from '@tensorflow/tfjs-core';
import { opForms } from '../kernels/op-forms.js';
import { linear } from './linear.js';
import type { ModelWeights } from './weights.js';
import { layerPrefix } from './weights.js';

export function silu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.sigmoid(x));
}

/** silu(gate) * up, the SwiGLU gate. */
export function swiGlu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  if (opForms().blockGradients) return swiGluWithGrad(gate, up);
  return tf.mul(silu(gate), up);
}

/**
 * The same with the gradient written out: d up = dh·silu(g), d gate = dh·up·s·(1 + g - silu(g))
 * with s = sigmoid(g) (silu' = s + g·s·(1 - s)). 6 kernels where autodiff's chain runs ~12.
 */
function swiGluWithGrad(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, u, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const s = tf.sigmoid(g);
    const gs = tf.mul(g, s); // silu(g)
    save([g, u, s, gs]);
    return {
      value: tf.mul(gs, u),
      gradFunc: (dh: tf.Tensor, saved: tf.Tensor[]) => {
        const [gS, uS, sS, gsS] = saved as tf.Tensor2D[];
        const dSilu = tf.mul(sS!, tf.add(tf.sub(gS!, gsS!), 1));
        return [tf.mul(tf.mul(dh, uS!), dSilu), tf.mul(dh, gsS!)];
      },
    };
  });
  return f(gate, up) as tf.Tensor2D;
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
    return this.proj('down_proj', swiGlu(this.proj('gate_proj', x), this.proj('up_proj', x)));
  }
}
