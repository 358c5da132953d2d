// Masks and positions for packed sequences.
//
// Documents packed into one row are kept apart: a token attends only to earlier tokens of its own
// document (block-diagonal causal mask from document ids) and positions restart at 0 with each
// document, so a packed document sees exactly what it would see alone. Padding has docId -1 and
// forms its own block (it never leaks into real tokens, and its rows stay finite).

/** Added to disallowed scores; exp() of it underflows to exactly 0 in float32. */
export const MASK_VALUE = -1e9;

/** Additive mask (B, 1, T, T): 0 where key j is visible from query i, MASK_VALUE elsewhere. */
export function buildAttentionMask(
  batchSize: number,
  seqLen: number,
  docIds?: Int32Array,
): Float32Array {
  const T = seqLen;
  const mask = new Float32Array(batchSize * T * T);
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < T; i++) {
      const row = (b * T + i) * T;
      const di = docIds ? docIds[b * T + i] : 0;
      for (let j = 0; j < T; j++) {
        const visible = j <= i && (!docIds || docIds[b * T + j] === di);
        if (!visible) mask[row + j] = MASK_VALUE;
      }
    }
  }
  return mask;
}

/** Position ids (B*T): 0.. within each row, restarting whenever the document id changes. */
export function buildPositionIds(
  batchSize: number,
  seqLen: number,
  docIds?: Int32Array,
): Int32Array {
  const pos = new Int32Array(batchSize * seqLen);
  for (let b = 0; b < batchSize; b++) {
    let p = 0;
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      if (docIds && t > 0 && docIds[i] !== docIds[i - 1]) p = 0;
      pos[i] = p++;
    }
  }
  return pos;
}
