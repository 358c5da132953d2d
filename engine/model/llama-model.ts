// The Llama-family decoder: embedding -> kept decoder layers -> final norm -> LM head.
// A detached ELO model is this same class holding fewer layers.
import * as tf from '@tensorflow/tfjs-core';
import type { TokenBatch } from '../batch.js';
import { fastMatMul } from '../kernels/fast-mat-mul.js';
import type { AttentionContext } from './attention.js';
import { buildAttentionMask, buildPositionIds } from './attention-mask.js';
import {
  checkSeqLen,
  DEFAULT_INITIALIZER_RANGE,
  type LlamaConfig,
  resolveLayerIndices,
  validateConfig,
} from './config.js';
import { LlamaDecoderLayer } from './decoder-layer.js';
import { rmsNorm } from './rms-norm.js';
import { computeInvFreq, RotaryEmbedding } from './rotary.js';
import { type HostWeights, initHostWeights, ModelWeights } from './weights.js';

export interface ModelOptions {
  /** Layer indices to instantiate (negative from the end); default all. */
  layers?: readonly number[];
  /** Names the weight source in shape errors. */
  source?: string;
  /** Std of the normal init (LlamaModel.init only); HF's default 0.02. */
  initializerRange?: number;
}

export type ModelInput = Pick<TokenBatch, 'batchSize' | 'seqLen' | 'inputIds' | 'docIds'>;

export class LlamaModel {
  readonly layerIndices: number[];
  readonly layers: LlamaDecoderLayer[];
  readonly rotaryEmb: RotaryEmbedding;

  constructor(
    readonly config: LlamaConfig,
    readonly weights: ModelWeights,
    layerIndices: readonly number[],
  ) {
    validateConfig(config);
    this.layerIndices = [...layerIndices];
    this.layers = this.layerIndices.map((i) => new LlamaDecoderLayer(config, i, weights));
    this.rotaryEmb = new RotaryEmbedding(
      config.headDim,
      computeInvFreq(config),
      config.maxPositionEmbeddings,
    );
  }

  /** A model over HF-layout weights (e.g. read from safetensors). */
  static fromHost(config: LlamaConfig, host: HostWeights, opts: ModelOptions = {}): LlamaModel {
    validateConfig(config);
    const layers = resolveLayerIndices(
      opts.layers ?? Array.from({ length: config.numHiddenLayers }, (_, i) => i),
      config.numHiddenLayers,
    );
    return new LlamaModel(config, ModelWeights.fromHost(config, layers, host, opts.source), layers);
  }

  /** A freshly initialised model (HF init scheme, our seeded PRNG). */
  static init(config: LlamaConfig, seed: number, opts: ModelOptions = {}): LlamaModel {
    validateConfig(config);
    const layers = resolveLayerIndices(
      opts.layers ?? Array.from({ length: config.numHiddenLayers }, (_, i) => i),
      config.numHiddenLayers,
    );
    const host = initHostWeights(
      config,
      layers,
      seed,
      opts.initializerRange ?? DEFAULT_INITIALIZER_RANGE,
    );
    return LlamaModel.fromHost(config, host, { layers });
  }

  /** Logits (B*T, vocab) for the batch's tokens. */
  forward(input: ModelInput): tf.Tensor2D {
    const { batchSize: B, seqLen: T, inputIds, docIds } = input;
    checkSeqLen(this.config, T);
    return tf.tidy(() => {
      const ids = tf.tensor1d(inputIds, 'int32');
      const ctx: AttentionContext = {
        batchSize: B,
        seqLen: T,
        rotary: this.rotaryEmb.tables(buildPositionIds(B, T, docIds), B, T),
        mask: tf.tensor4d(buildAttentionMask(B, T, docIds), [B, 1, T, T]),
      };
      const embed = this.weights.get('model.embed_tokens.weight') as tf.Tensor2D;
      let hidden = tf.gather(embed, ids) as tf.Tensor2D; // (B*T, hidden)
      for (const layer of this.layers) hidden = layer.forward(hidden, ctx);
      const normW = this.weights.get('model.norm.weight') as tf.Tensor1D;
      hidden = rmsNorm(hidden, normW, this.config.rmsNormEps);
      const head = this.config.tieWordEmbeddings
        ? tf.transpose(embed) // (hidden, vocab): one cheap transpose, then a plain matMul
        : (this.weights.get('lm_head.weight') as tf.Tensor2D); // stored (hidden, vocab)
      return fastMatMul(hidden, head); // (B*T, vocab)
    });
  }

  dispose(): void {
    this.weights.dispose();
  }
}
