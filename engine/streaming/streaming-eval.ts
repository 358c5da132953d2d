// Held-out evaluation of a model folder in bounded memory: every set's windows are cut exactly as
// the in-memory Evaluator cuts them, and all of them go through the model layer by layer
// (LayerStream), so each layer is read once for all sets. Same results as `evaluate` on a loaded
// model (tested), at the memory of one layer plus the hidden states of the evaluated tokens.
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX } from '../batch.js';
import { type EvalResult, evalWindows } from '../eval.js';
import { crossEntropySum } from '../loss.js';
import {
  type LayerStream,
  type LayerStreamHooks,
  type StreamBatch,
  withLayerStream,
} from './layer-stream.js';

export interface StreamingEvalSet {
  sequences: readonly ArrayLike<number>[];
  /** UTF-8 bytes of the set's text: enables bitsPerByte. */
  bytes?: number;
}

export interface StreamingEvalOptions extends LayerStreamHooks {
  seqLen: number;
  batchSize: number;
}

interface LabelledBatch extends StreamBatch {
  labels: Int32Array;
  set: number;
}

/** Windows of seqLen+1 tokens overlapping by one (as Evaluator.add), batched within each set. */
function batchesOf(sets: readonly StreamingEvalSet[], T: number, B: number): LabelledBatch[] {
  const out: LabelledBatch[] = [];
  sets.forEach((s, set) => {
    let rows: { ids: Int32Array; labels: Int32Array }[] = [];
    const flush = () => {
      if (rows.length === 0) return;
      const inputIds = new Int32Array(rows.length * T);
      const labels = new Int32Array(rows.length * T);
      rows.forEach((r, b) => {
        inputIds.set(r.ids, b * T);
        labels.set(r.labels, b * T);
      });
      out.push({ batchSize: rows.length, seqLen: T, inputIds, labels, set });
      rows = [];
    };
    for (const tokens of s.sequences) {
      for (const row of evalWindows(tokens, T)) {
        rows.push(row);
        if (rows.length === B) flush();
      }
    }
    flush();
  });
  return out;
}

/** One EvalResult per set, in the order given. */
export async function evaluateFolderStreaming(
  source: string | LayerStream,
  sets: readonly StreamingEvalSet[],
  opts: StreamingEvalOptions,
): Promise<EvalResult[]> {
  const batches = batchesOf(sets, opts.seqLen, opts.batchSize);
  const nll = await withLayerStream(source, (stream) =>
    stream.logits(
      batches,
      (logits, b) =>
        tf.tidy(() => crossEntropySum(logits, (b as LabelledBatch).labels, 1).dataSync()[0]!),
      opts,
    ),
  );
  return sets.map((s, set) => {
    let total = 0;
    let targets = 0;
    batches.forEach((b, i) => {
      if (b.set !== set) return;
      total += nll[i]!;
      for (const l of b.labels) if (l !== IGNORE_INDEX) targets++;
    });
    const meanNll = targets > 0 ? total / targets : NaN;
    const r: EvalResult = {
      tokens: targets,
      totalNllNats: total,
      meanNll,
      perplexity: Math.exp(meanNll),
    };
    if (s.bytes !== undefined) {
      r.bytes = s.bytes;
      r.bitsPerByte = total / Math.LN2 / s.bytes;
    }
    return r;
  });
}
