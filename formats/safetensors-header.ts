// Parsing and validating a safetensors header: pure functions over bytes, so the fuzz test can
// drive them directly. Rules follow the reference implementation (huggingface/safetensors):
// offsets are relative to the end of the header, tensors tile the data area exactly, no gaps.
import { DType, dtypeSize, isDType } from './dtype.js';
import { SafetensorsError } from './safetensors-error.js';

/** The reference implementation's cap: larger headers are refused before allocation. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  dtype: DType;
  shape: number[];
  /** Absolute offset of the tensor's first byte in the file. */
  byteOffset: number;
  byteLength: number;
}

export interface ParsedHeader {
  /** Bytes before the data area (8 + header length). */
  dataStart: number;
  metadata: Record<string, string>;
  /** In order of their offsets. */
  tensors: Map<string, TensorInfo>;
}

/** Reads the 8-byte prefix and checks the header length against the file size and the cap. */
export function parseHeaderLength(file: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new SafetensorsError(
      file,
      undefined,
      `file is ${fileSize} bytes, too short for a header`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      file,
      undefined,
      `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  const len = Number(n);
  if (len + 8 > fileSize) {
    throw new SafetensorsError(
      file,
      undefined,
      `header length ${len} runs past the end of the ${fileSize}-byte file`,
    );
  }
  if (len < 2) throw new SafetensorsError(file, undefined, `header length ${len} is too small`);
  return len;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates the JSON header against the data area size (fileSize - 8 - headerLength). */
export function parseHeaderJson(
  file: string,
  headerBytes: Uint8Array,
  fileSize: number,
): ParsedHeader {
  const dataStart = 8 + headerBytes.byteLength;
  const dataSize = fileSize - dataStart;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(file, undefined, 'header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(file, undefined, `header is not JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(json)) {
    throw new SafetensorsError(file, undefined, 'header is not a JSON object');
  }
  const metadata: Record<string, string> = {};
  const entries: [string, TensorInfo & { begin: number; end: number }][] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) {
        throw new SafetensorsError(file, undefined, '__metadata__ is not an object');
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(file, undefined, `__metadata__.${k} is not a string`);
        }
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true });
      }
      continue;
    }
    entries.push([name, parseEntry(file, name, value, dataStart, dataSize)]);
  }
  // Tensors must tile [0, dataSize) exactly: sorted by begin, each starts where the last ended.
  entries.sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let cursor = 0;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, e] of entries) {
    if (e.begin !== cursor) {
      const what = e.begin < cursor ? 'overlaps the previous tensor' : 'leaves a gap before it';
      throw new SafetensorsError(file, name, `data_offsets [${e.begin}, ${e.end}] ${what}`);
    }
    cursor = e.end;
    tensors.set(name, {
      dtype: e.dtype,
      shape: e.shape,
      byteOffset: e.byteOffset,
      byteLength: e.byteLength,
    });
  }
  if (cursor !== dataSize) {
    throw new SafetensorsError(
      file,
      undefined,
      `tensors cover ${cursor} bytes but the data area is ${dataSize} bytes`,
    );
  }
  return { dataStart, metadata, tensors };
}

function parseEntry(
  file: string,
  name: string,
  value: unknown,
  dataStart: number,
  dataSize: number,
): TensorInfo & { begin: number; end: number } {
  const fail = (reason: string): never => {
    throw new SafetensorsError(file, name, reason);
  };
  if (!isPlainObject(value)) fail('header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDType(dtype)) fail(`unknown dtype ${JSON.stringify(dtype)?.slice(0, 40)}`);
  if (!Array.isArray(shape)) fail('shape is not an array');
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    fail('data_offsets is not a [begin, end] pair');
  }
  const [begin, end] = offsets as unknown[];
  for (const o of [begin, end]) {
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) {
      fail(`data_offsets ${JSON.stringify(offsets).slice(0, 60)} are not non-negative integers`);
    }
  }
  const b = begin as number;
  const e = end as number;
  if (e < b) fail(`data_offsets [${b}, ${e}] end before they begin`);
  if (e > dataSize) fail(`data_offsets [${b}, ${e}] run past the ${dataSize}-byte data area`);
  const dims = shape as unknown[];
  const size = dtypeSize(dtype as DType);
  // Product computed with an early exit, so a giant shape cannot overflow or allocate.
  let count = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`shape ${JSON.stringify(shape).slice(0, 60)} has a negative or non-integer dimension`);
    }
    count *= d as number;
    if (count * size > dataSize) {
      fail(`shape ${JSON.stringify(shape).slice(0, 60)} needs more bytes than the file holds`);
    }
  }
  if (count * size !== e - b) {
    fail(
      `byte size ${e - b} != ${dtype} size ${size} x ${count} elements of shape [${dims.join(', ')}]`,
    );
  }
  return {
    dtype: dtype as DType,
    shape: dims as number[],
    byteOffset: dataStart + b,
    byteLength: e - b,
    begin: b,
    end: e,
  };
}
