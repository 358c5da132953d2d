// Finds NaN and ±Inf in raw little-endian float bytes by their exponent bits (all ones), a word at
// a time: import scans every weight this way, streaming, so multi-GB files stay cheap to check.

/** Index of the first non-finite element in `bytes` of `dtype`, or -1 (integer dtypes: -1). */
export function firstNonFinite(bytes: Uint8Array, dtype: string): number {
  const aligned = (n: number) => bytes.byteOffset % n === 0 && bytes.byteLength % n === 0;
  switch (dtype) {
    case 'F32': {
      if (!aligned(4))
        return scanBytes(
          bytes,
          4,
          (b, i) => (b[i + 3]! & 0x7f) === 0x7f && (b[i + 2]! & 0x80) !== 0,
        );
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      for (let i = 0; i < words.length; i++) if ((words[i]! & 0x7f800000) === 0x7f800000) return i;
      return -1;
    }
    case 'F16':
    case 'BF16': {
      const mask = dtype === 'F16' ? 0x7c00 : 0x7f80;
      if (!aligned(2))
        return scanBytes(bytes, 2, (b, i) => ((b[i]! | (b[i + 1]! << 8)) & mask) === mask);
      const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
      for (let i = 0; i < halves.length; i++) if ((halves[i]! & mask) === mask) return i;
      return -1;
    }
    case 'F64':
      return scanBytes(
        bytes,
        8,
        (b, i) => (b[i + 7]! & 0x7f) === 0x7f && (b[i + 6]! & 0xf0) === 0xf0,
      );
    default:
      return -1;
  }
}

function scanBytes(
  b: Uint8Array,
  size: number,
  bad: (b: Uint8Array, i: number) => boolean,
): number {
  for (let i = 0; i + size <= b.length; i += size) if (bad(b, i)) return i / size;
  return -1;
}
