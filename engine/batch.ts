// A batch of packed token rows, as the model and the loss take it.

/** Label value that contributes no loss (HF's ignore_index). */
export const IGNORE_INDEX = -100;

export interface TokenBatch {
  batchSize: number;
  seqLen: number;
  /** (B*T) token ids, row-major. */
  inputIds: Int32Array;
  /** (B*T) next-token targets; IGNORE_INDEX for padding and cross-document targets. */
  labels: Int32Array;
  /** (B*T) document id per position (-1 = padding); absent = one document per row. */
  docIds?: Int32Array;
}

/** Number of positions that contribute to the loss. */
export function countTargets(batch: TokenBatch): number {
  let n = 0;
  for (const l of batch.labels) if (l !== IGNORE_INDEX) n++;
  return n;
}
