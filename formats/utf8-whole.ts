// Whole-character UTF-8 decoding of byte streams cut at arbitrary points (byte-level BPE pieces,
// a prompt cut after N tokens, generation stopped after M tokens): a multi-byte character split
// between pieces must not turn into U+FFFD. Only complete, well-formed sequences become text;
// an incomplete sequence at the end is held back for whatever comes next.

export interface WholeUtf8 {
  text: string;
  /** Bytes of an incomplete sequence at the end (at most 3), not decoded. */
  tail: Uint8Array;
  /** Ill-formed bytes inside the stream (no character they could belong to), skipped. */
  dropped: number;
}

/** Length of the well-formed sequence that starts at `i`; 0 when ill-formed; -1 when cut short. */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i]!;
  if (lead < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) n = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    if (lead === 0xe0) lo = 0xa0; // no overlong forms
    if (lead === 0xed) hi = 0x9f; // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    if (lead === 0xf0) lo = 0x90;
    if (lead === 0xf4) hi = 0x8f; // nothing above U+10FFFF
  } else return 0;
  for (let k = 1; k < n; k++) {
    if (i + k >= b.length) return -1;
    const c = b[i + k]!;
    if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return 0;
  }
  return n;
}

/** Decodes the whole characters of `bytes`; see WholeUtf8. */
export function decodeWholeUtf8(bytes: Uint8Array): WholeUtf8 {
  const kept: number[] = [];
  let dropped = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === -1) break;
    if (n === 0) {
      dropped++;
      i++;
      continue;
    }
    for (let k = 0; k < n; k++) kept.push(bytes[i + k]!);
    i += n;
  }
  return {
    text: Buffer.from(kept).toString('utf8'),
    tail: bytes.slice(i),
    dropped,
  };
}
