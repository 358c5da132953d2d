// Runs batches through a model folder one decoder layer at a time: load a layer (widened to
// float32 from whatever the file stores), push every batch's hidden state through it, free it.
// Memory follows one layer, the embedding/head and the hidden states of the batches — not the
// model — so a model larger than memory evaluates (DESIGN.md, Memory).
import * as tf from '@tensorflow/tfjs-core';
import { HfModelFolder } from '../../formats/index.js';
import type { TokenBatch } from '../batch.js';
import { fastMatMul } from '../kernels/fast-mat-mul.js';
import type { AttentionContext } from '../model/attention.js';
import { buildAttentionMask, buildPositionIds } from '../model/attention-mask.js';
import { checkSeqLen, type LlamaConfig, validateConfig } from '../model/config.js';
import { LlamaDecoderLayer } from '../model/decoder-layer.js';
import { rmsNorm } from '../model/rms-norm.js';
import { computeInvFreq, RotaryEmbedding } from '../model/rotary.js';
import {
  type HostWeights,
  ModelWeights,
  type ParamSpec,
  parameterSpecs,
} from '../model/weights.js';

export type StreamBatch = Pick<TokenBatch, 'batchSize' | 'seqLen' | 'inputIds'>;

export interface LayerStreamHooks {
  /** After each layer (and between batches: awaited, so heartbeats get through). */
  onLayer?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

export class LayerStream {
  /**
   * Embedding, final norm and head: loaded by the first pass and kept until close, so generation
   * (one pass per new token) reads them once, and their host copies, which V8 frees only at its
   * next full GC, are not made again on top of the ones still waiting for it.
   */
  private outer: ModelWeights | undefined;

  private constructor(
    readonly config: LlamaConfig,
    private readonly folder: HfModelFolder,
    private readonly rotary: RotaryEmbedding,
  ) {}

  /** Opens and checks the folder (every tensor present with its shape); loads nothing yet. */
  static async open(dir: string): Promise<LayerStream> {
    const folder = await HfModelFolder.open(dir);
    try {
      folder.checkTensors();
      const config = validateConfig(folder.config);
      const rotary = new RotaryEmbedding(
        config.headDim,
        computeInvFreq(config),
        config.maxPositionEmbeddings,
      );
      return new LayerStream(config, folder, rotary);
    } catch (err) {
      await folder.close();
      throw err;
    }
  }

  private async load(only: (s: ParamSpec) => boolean, layers: number[]): Promise<ModelWeights> {
    const host: HostWeights = new Map();
    for (const spec of parameterSpecs(this.config, layers).filter(only)) {
      const t = await this.folder.readTensor(spec.name, { asFloat32: true });
      host.set(spec.name, { shape: [...t.shape], data: t.data as Float32Array });
    }
    return ModelWeights.fromHost(this.config, layers, host, this.folder.dir, only);
  }

  /**
   * The (B*T, vocab) logits of every batch, handed to `consume` one batch at a time (then
   * disposed); what `consume` returns is collected in batch order.
   */
  async logits<R>(
    batches: readonly StreamBatch[],
    consume: (logits: tf.Tensor2D, batch: StreamBatch, index: number) => R,
    hooks: LayerStreamHooks = {},
  ): Promise<R[]> {
    const n = this.config.numHiddenLayers;
    for (const b of batches) checkSeqLen(this.config, b.seqLen);
    this.outer ??= await this.load((s) => s.group !== 'layer', []);
    const outer = this.outer;
    let hidden: tf.Tensor2D[] = [];
    const contexts = new Map<string, AttentionContext>();
    try {
      const embed = outer.get('model.embed_tokens.weight') as tf.Tensor2D;
      hidden = batches.map((b) =>
        tf.tidy(() => tf.gather(embed, tf.tensor1d(b.inputIds, 'int32')) as tf.Tensor2D),
      );
      for (let l = 0; l < n; l++) {
        hooks.signal?.throwIfAborted();
        const weights = await this.load((s) => s.layer === l, [l]);
        try {
          const layer = new LlamaDecoderLayer(this.config, l, weights);
          for (let i = 0; i < batches.length; i++) {
            const ctx = this.contextFor(batches[i]!, contexts);
            const next = tf.tidy(() => layer.forward(hidden[i]!, ctx));
            hidden[i]!.dispose();
            hidden[i] = next;
            await tick();
          }
        } finally {
          weights.dispose();
        }
        hooks.onLayer?.(l + 1, n);
      }
      const normW = outer.get('model.norm.weight') as tf.Tensor1D;
      // Tied head: transpose(embedding) once, not per batch (it is the size of the embedding).
      const head = this.config.tieWordEmbeddings
        ? tf.transpose(embed)
        : (outer.get('lm_head.weight') as tf.Tensor2D);
      const out: R[] = [];
      try {
        for (let i = 0; i < batches.length; i++) {
          const logits = tf.tidy(() =>
            fastMatMul(rmsNorm(hidden[i]!, normW, this.config.rmsNormEps), head),
          );
          try {
            out.push(consume(logits, batches[i]!, i));
          } finally {
            logits.dispose();
          }
          await tick();
        }
      } finally {
        if (this.config.tieWordEmbeddings) head.dispose();
      }
      return out;
    } finally {
      for (const h of hidden) h.dispose();
      for (const c of contexts.values()) tf.dispose([...Object.values(c.rotary), c.mask]);
    }
  }

  /** Rows are not packed (no document ids), so batches of one shape share their tables. */
  private contextFor(b: StreamBatch, cache: Map<string, AttentionContext>): AttentionContext {
    const key = `${b.batchSize}x${b.seqLen}`;
    let ctx = cache.get(key);
    if (!ctx) {
      const rotary = this.rotary.tables(
        buildPositionIds(b.batchSize, b.seqLen),
        b.batchSize,
        b.seqLen,
      );
      const mask = tf.tensor4d(buildAttentionMask(b.batchSize, b.seqLen), [
        b.batchSize,
        1,
        b.seqLen,
        b.seqLen,
      ]);
      ctx = { batchSize: b.batchSize, seqLen: b.seqLen, rotary, mask };
      cache.set(key, ctx);
    }
    return ctx;
  }

  async close(): Promise<void> {
    this.outer?.dispose();
    this.outer = undefined;
    await this.folder.close();
  }
}

/**
 * Runs `fn` on `source`: a stream the caller opened (and closes), or a folder opened and closed
 * here. One stream for several passes (evaluation, then generation) loads the outer weights once.
 */
export async function withLayerStream<T>(
  source: string | LayerStream,
  fn: (stream: LayerStream) => Promise<T>,
): Promise<T> {
  if (typeof source !== 'string') return fn(source);
  const stream = await LayerStream.open(source);
  try {
    return await fn(stream);
  } finally {
    await stream.close();
  }
}
