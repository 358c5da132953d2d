// Shared test helpers: backend switching and a plain-JS float64 Llama forward (HF modeling_llama
// transcribed loop by loop) that the engine's tfjs forward is checked against.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { biasLayout, type LlamaConfig } from '../../../../engine/model/config.js';
import { computeInvFreq } from '../../../../engine/model/rotary.js';
import type { HostWeights } from '../../../../engine/model/weights.js';
import { initBackend } from '../../../../engine/backend.js';
import { registerEngineKernels } from '../../../../engine/kernels/register-kernels.js';

/** The backend the suite runs on: the product's default (native TensorFlow on CPU). */
export const TEST_BACKEND = 'tensorflow';

export type TestBackend = 'tensorflow' | 'wasm' | 'cpu';

export async function useBackend(name: TestBackend): Promise<void> {
  // tfjs-node registers its backend when imported: initBackend imports it with the engine's
  // threading and determinism settings, once per process.
  if (name === 'tensorflow') await initBackend({ backend: 'tensorflow', log: () => {} });
  if (tf.getBackend() !== name) {
    if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed`);
    await tf.ready();
  }
  registerEngineKernels(name);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Deterministic pseudo-random token ids in [0, vocab). */
export function tokenIds(n: number, vocab: number, salt = 1): Int32Array {
  return Int32Array.from(
    { length: n },
    (_, i) => (i * 7919 + salt * 104729 + ((i * i) % 13)) % vocab,
  );
}

type Mat = Float64Array<ArrayBufferLike>;

function w(host: HostWeights, name: string): Float32Array {
  const t = host.get(name);
  if (!t) throw new Error(`reference: missing ${name}`);
  return t.data;
}

/** y[t, o] = sum_i x[t, i] * W[o, i] (+ b[o]) with W in HF layout (out, in). */
function linearRef(
  x: Mat,
  T: number,
  inDim: number,
  W: Float32Array,
  outDim: number,
  b?: Float32Array,
): Mat {
  const y = new Float64Array(T * outDim);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < outDim; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inDim; i++) s += x[t * inDim + i]! * W[o * inDim + i]!;
      y[t * outDim + o] = s;
    }
  }
  return y;
}

function rmsNormRef(x: Mat, T: number, d: number, weight: Float32Array, eps: number): Mat {
  const y = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[t * d + i]! ** 2;
    const r = 1 / Math.sqrt(ss / d + eps);
    for (let i = 0; i < d; i++) y[t * d + i] = weight[i]! * x[t * d + i]! * r;
  }
  return y;
}

/** HF forward for one row of T tokens, plain causal attention: logits (T, vocab), float64. */
export function referenceForward(
  config: LlamaConfig,
  host: HostWeights,
  layers: readonly number[],
  ids: ArrayLike<number>,
): Mat {
  const T = ids.length;
  const { hiddenSize: d, headDim: hd, numAttentionHeads: nh, numKeyValueHeads: nkv } = config;
  const ff = config.intermediateSize;
  const bias = biasLayout(config);
  const emb = w(host, 'model.embed_tokens.weight');
  let h: Mat = new Float64Array(T * d);
  for (let t = 0; t < T; t++) for (let i = 0; i < d; i++) h[t * d + i] = emb[ids[t]! * d + i]!;
  const invFreq = computeInvFreq(config);
  const rope = (x: Mat, heads: number): void => {
    // x (T, heads*hd); rotate each head: x*cos + rotate_half(x)*sin
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < heads; hh++) {
        const base = t * heads * hd + hh * hd;
        const half = hd / 2;
        for (let i = 0; i < half; i++) {
          const ang = Math.fround(invFreq[i]! * t);
          const c = Math.cos(ang);
          const s = Math.sin(ang);
          const x1 = x[base + i]!;
          const x2 = x[base + i + half]!;
          x[base + i] = x1 * c - x2 * s;
          x[base + i + half] = x2 * c + x1 * s;
        }
      }
    }
  };
  for (const l of layers) {
    const p = `model.layers.${l}`;
    const opt = (n: string) => host.get(n)?.data;
    const x = rmsNormRef(h, T, d, w(host, `${p}.input_layernorm.weight`), config.rmsNormEps);
    const q = linearRef(
      x,
      T,
      d,
      w(host, `${p}.self_attn.q_proj.weight`),
      nh * hd,
      bias.qkv ? opt(`${p}.self_attn.q_proj.bias`) : undefined,
    );
    const k = linearRef(
      x,
      T,
      d,
      w(host, `${p}.self_attn.k_proj.weight`),
      nkv * hd,
      bias.qkv ? opt(`${p}.self_attn.k_proj.bias`) : undefined,
    );
    const v = linearRef(
      x,
      T,
      d,
      w(host, `${p}.self_attn.v_proj.weight`),
      nkv * hd,
      bias.qkv ? opt(`${p}.self_attn.v_proj.bias`) : undefined,
    );
    rope(q, nh);
    rope(k, nkv);
    const attnOut = new Float64Array(T * nh * hd);
    for (let head = 0; head < nh; head++) {
      const kvh = Math.floor(head / (nh / nkv)); // repeat_kv
      for (let i = 0; i < T; i++) {
        const scores = new Float64Array(i + 1);
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let e = 0; e < hd; e++)
            s += q[i * nh * hd + head * hd + e]! * k[j * nkv * hd + kvh * hd + e]!;
          scores[j] = s / Math.sqrt(hd);
          max = Math.max(max, scores[j]!);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += scores[j] = Math.exp(scores[j]! - max);
        for (let e = 0; e < hd; e++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += (scores[j]! / sum) * v[j * nkv * hd + kvh * hd + e]!;
          attnOut[i * nh * hd + head * hd + e] = acc;
        }
      }
    }
    const o = linearRef(
      attnOut,
      T,
      nh * hd,
      w(host, `${p}.self_attn.o_proj.weight`),
      d,
      bias.o ? opt(`${p}.self_attn.o_proj.bias`) : undefined,
    );
    for (let i = 0; i < h.length; i++) h[i]! += o[i]!;
    const x2 = rmsNormRef(
      h,
      T,
      d,
      w(host, `${p}.post_attention_layernorm.weight`),
      config.rmsNormEps,
    );
    const g = linearRef(x2, T, d, w(host, `${p}.mlp.gate_proj.weight`), ff);
    const u = linearRef(x2, T, d, w(host, `${p}.mlp.up_proj.weight`), ff);
    for (let i = 0; i < g.length; i++) g[i] = (g[i]! / (1 + Math.exp(-g[i]!))) * u[i]!;
    const dn = linearRef(g, T, ff, w(host, `${p}.mlp.down_proj.weight`), d);
    for (let i = 0; i < h.length; i++) h[i]! += dn[i]!;
  }
  h = rmsNormRef(h, T, d, w(host, 'model.norm.weight'), config.rmsNormEps);
  const head = config.tieWordEmbeddings ? emb : w(host, 'lm_head.weight');
  return linearRef(h, T, d, head, config.vocabSize);
}
