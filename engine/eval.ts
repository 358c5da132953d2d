// Held-out evaluation: mean NLL, perplexity and bits per byte, streaming over token arrays.
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, type TokenBatch } from './batch.js';
import { crossEntropySum } from './loss.js';
import type { LlamaModel } from './model/llama-model.js';

export interface EvalOptions {
  /** Context per row; every token after the first of each sequence is predicted exactly once. */
  seqLen: number;
  batchSize: number;
  /** UTF-8 bytes of the evaluated text: enables bitsPerByte. */
  bytes?: number;
}

export interface EvalResult {
  /** Predicted tokens (targets). */
  tokens: number;
  totalNllNats: number;
  /** Nats per predicted token. */
  meanNll: number;
  perplexity: number;
  bytes?: number;
  /** Total NLL in bits / UTF-8 bytes: comparable across tokenizers. */
  bitsPerByte?: number;
}

/**
 * Rows of one sequence: windows of seqLen+1 tokens overlapping by one, so each token but the
 * first is a target once. Padding positions (id 0, no target) come after the real ones.
 */
export function* evalWindows(
  tokens: ArrayLike<number>,
  T: number,
): Generator<{ ids: Int32Array; labels: Int32Array }> {
  for (let start = 0; start + 1 < tokens.length; start += T) {
    const ids = new Int32Array(T);
    const labels = new Int32Array(T).fill(IGNORE_INDEX);
    const end = Math.min(start + T, tokens.length - 1);
    for (let t = 0; start + t < end; t++) {
      ids[t] = tokens[start + t]!;
      labels[t] = tokens[start + t + 1]!;
    }
    yield { ids, labels };
  }
}

/** Accumulates NLL over any number of token sequences (documents, shards), in fixed batches. */
export class Evaluator {
  private rows: { ids: Int32Array; labels: Int32Array }[] = [];
  private totalNll = 0;
  private targets = 0;

  constructor(
    private readonly model: LlamaModel,
    private readonly opts: EvalOptions,
  ) {}

  /**
   * Adds one sequence: cut into windows of seqLen+1 tokens overlapping by one, so each token
   * but the first is a target once; context does not cross windows.
   */
  add(tokens: ArrayLike<number>): void {
    for (const row of evalWindows(tokens, this.opts.seqLen)) {
      this.rows.push(row);
      if (this.rows.length === this.opts.batchSize) this.flush();
    }
  }

  private flush(): void {
    if (this.rows.length === 0) return;
    const T = this.opts.seqLen;
    const B = this.rows.length;
    const batch: TokenBatch = {
      batchSize: B,
      seqLen: T,
      inputIds: new Int32Array(B * T),
      labels: new Int32Array(B * T),
    };
    this.rows.forEach((r, b) => {
      batch.inputIds.set(r.ids, b * T);
      batch.labels.set(r.labels, b * T);
    });
    this.rows = [];
    // Causal attention: right padding never influences the real positions before it.
    const nll = tf.tidy(
      () => crossEntropySum(this.model.forward(batch), batch.labels, 1).dataSync()[0]!,
    );
    this.totalNll += nll;
    for (const l of batch.labels) if (l !== IGNORE_INDEX) this.targets++;
  }

  result(): EvalResult {
    this.flush();
    const meanNll = this.targets > 0 ? this.totalNll / this.targets : NaN;
    const out: EvalResult = {
      tokens: this.targets,
      totalNllNats: this.totalNll,
      meanNll,
      perplexity: Math.exp(meanNll),
    };
    if (this.opts.bytes !== undefined) {
      out.bytes = this.opts.bytes;
      out.bitsPerByte = this.totalNll / Math.LN2 / this.opts.bytes;
    }
    return out;
  }
}

/**
 * Evaluates token sequences (sync or async iterable, e.g. shards read one by one), yielding to
 * the event loop after every batch so heartbeats get through during long evaluations.
 */
export async function evaluate(
  model: LlamaModel,
  sequences: Iterable<ArrayLike<number>> | AsyncIterable<ArrayLike<number>>,
  opts: EvalOptions,
): Promise<EvalResult> {
  const ev = new Evaluator(model, opts);
  const span = opts.batchSize * opts.seqLen; // tokens that fill one batch of windows
  for await (const seq of sequences) {
    // Pieces of `span` targets, overlapping by one token: the same windows as the whole sequence.
    for (let start = 0; start + 1 < seq.length; start += span) {
      ev.add(Array.prototype.slice.call(seq, start, start + span + 1) as number[]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return ev.result();
}
