// Streaming safetensors writer.
//
// The header precedes the data and its length depends on every tensor's shape, so the writer
// takes all tensor specs up front and then accepts data in that order: one sequential pass, at
// most one chunk in memory. Every producer here (surgery, checkpoints) knows its shapes before
// its data. `writeSafetensors` also accepts a plain (async) iterable whose shapes are unknown
// up front: it spills data to a sidecar file, then writes header + data (two passes, bounded
// memory); given an array it knows the shapes and takes the one-pass path.
import fs from 'node:fs/promises';
import { tempSibling } from './atomic.js';
import {
  bytesOf,
  type DType,
  dtypeSize,
  float32ToBf16,
  float32ToF16,
  isDType,
  numElements,
  type TensorData,
  viewAs,
} from './dtype.js';
import { SafetensorsError } from './safetensors-error.js';

export interface TensorSpec {
  name: string;
  dtype: DType;
  shape: number[];
}

/** A tensor to write: typed `data` (Float32Array is encoded to F16/BF16), or its `raw` bytes. */
export interface TensorInput extends TensorSpec {
  data?: TensorData;
  raw?: Uint8Array;
}

/** For `writeTensor`: dtype and shape may be left out (the header already has them). */
export interface WriteTensorInput {
  name: string;
  dtype?: DType;
  shape?: number[];
  data?: TensorData;
  raw?: Uint8Array;
}

export function specByteLength(spec: TensorSpec): number {
  return numElements(spec.shape) * dtypeSize(spec.dtype);
}

/** The header bytes (JSON padded with spaces to a multiple of 8, as the reference does). */
export function encodeHeader(
  file: string,
  specs: readonly TensorSpec[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const s of specs) {
    if (s.name === '__metadata__' || seen.has(s.name)) {
      throw new SafetensorsError(file, s.name, 'duplicate or reserved tensor name');
    }
    seen.add(s.name);
    if (!isDType(s.dtype)) throw new SafetensorsError(file, s.name, `unknown dtype ${s.dtype}`);
    if (!s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, s.name, `invalid shape [${s.shape.join(', ')}]`);
    }
    const len = specByteLength(s);
    header[s.name] = { dtype: s.dtype, shape: s.shape, data_offsets: [offset, offset + len] };
    offset += len;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.alloc(Math.ceil(json.byteLength / 8) * 8, 0x20);
  json.copy(padded);
  const out = new Uint8Array(8 + padded.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.byteLength), true);
  out.set(padded, 8);
  return out;
}

/** Encodes typed data into the dtype's little-endian bytes (a view when no conversion is needed). */
export function encodeTensorData(file: string, t: TensorInput): Uint8Array {
  if (t.raw) return t.raw;
  if (!t.data) throw new SafetensorsError(file, t.name, 'neither data nor raw bytes given');
  const d = t.data;
  if (d instanceof Float32Array && (t.dtype === 'BF16' || t.dtype === 'F16')) {
    return bytesOf(t.dtype === 'BF16' ? float32ToBf16(d) : float32ToF16(d));
  }
  if (d instanceof Float32Array && t.dtype === 'F64') return bytesOf(Float64Array.from(d));
  // Anything else must already be the dtype's own array: never reinterpret ints as floats.
  const expected = viewAs(t.dtype, new Uint8Array(0)).constructor;
  if (d.constructor !== expected) {
    throw new SafetensorsError(file, t.name, `${d.constructor.name} data for dtype ${t.dtype}`);
  }
  return bytesOf(d);
}

export class SafetensorsWriter {
  private index = 0;
  private written = 0; // bytes of the current tensor
  private position: number;
  private done = false;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: fs.FileHandle,
    private readonly specs: readonly TensorSpec[],
    headerBytes: number,
  ) {
    this.position = headerBytes;
  }

  /** Opens `path + '.tmp-*'` and writes the header; data follows in `specs` order. */
  static async create(
    path: string,
    specs: readonly TensorSpec[],
    metadata?: Record<string, string>,
  ): Promise<SafetensorsWriter> {
    const header = encodeHeader(path, specs, metadata);
    const tmp = tempSibling(path);
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.write(header, 0, header.byteLength, 0);
    } catch (err) {
      await fh.close();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return new SafetensorsWriter(path, tmp, fh, specs, header.byteLength);
  }

  /** The name of the tensor whose bytes come next (undefined when all are written). */
  get nextTensor(): string | undefined {
    return this.specs[this.index]?.name;
  }

  /** Writes one whole tensor; it must be the next one in spec order. */
  async writeTensor(t: WriteTensorInput): Promise<void> {
    const spec = this.expect(t.name);
    if ((t.dtype && t.dtype !== spec.dtype) || (t.shape && !sameShape(t.shape, spec.shape))) {
      throw new SafetensorsError(this.path, t.name, 'dtype or shape differs from the header');
    }
    const bytes = encodeTensorData(this.path, { ...spec, ...t, dtype: spec.dtype });
    if (this.written !== 0 || bytes.byteLength !== specByteLength(spec)) {
      throw new SafetensorsError(
        this.path,
        t.name,
        `got ${bytes.byteLength} bytes, header says ${specByteLength(spec)}`,
      );
    }
    await this.writeBytes(t.name, bytes);
  }

  /** Appends bytes to tensor `name` (streamed copies call this once per chunk). */
  async writeBytes(name: string, bytes: Uint8Array): Promise<void> {
    const spec = this.expect(name);
    const need = specByteLength(spec);
    if (this.written + bytes.byteLength > need) {
      throw new SafetensorsError(this.path, name, `more than the ${need} bytes its header says`);
    }
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await this.fh.write(
        bytes,
        off,
        bytes.byteLength - off,
        this.position,
      );
      off += bytesWritten;
      this.position += bytesWritten;
    }
    this.written += bytes.byteLength;
    if (this.written === need) {
      this.index++;
      this.written = 0;
    }
  }

  /** Flushes, checks every tensor was written, and renames the temp file into place. */
  async close(): Promise<void> {
    this.skipEmpty(undefined);
    if (this.index < this.specs.length) {
      const missing = this.specs[this.index]!.name;
      await this.abort();
      throw new SafetensorsError(
        this.path,
        missing,
        'writer closed before this tensor was written',
      );
    }
    if (this.done) return;
    this.done = true;
    try {
      await this.fh.datasync();
      await this.fh.close();
      await fs.rename(this.tmp, this.path);
    } catch (err) {
      await fs.rm(this.tmp, { force: true });
      throw err;
    }
  }

  /** Drops the temp file; the final path is never touched. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => undefined);
    await fs.rm(this.tmp, { force: true });
  }

  private expect(name: string): TensorSpec {
    this.skipEmpty(name);
    const spec = this.specs[this.index];
    if (this.done || !spec || spec.name !== name) {
      throw new SafetensorsError(
        this.path,
        name,
        spec ? `written out of order: expected "${spec.name}" next` : 'not in the header',
      );
    }
    return spec;
  }

  // Zero-byte tensors have nothing to wait for: a caller may skip them.
  private skipEmpty(until: string | undefined): void {
    while (this.written === 0 && this.index < this.specs.length) {
      const spec = this.specs[this.index]!;
      if (spec.name === until || specByteLength(spec) > 0) return;
      this.index++;
    }
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Writes a whole file from tensors; see the file comment for the one- and two-pass paths. */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<TensorInput> | AsyncIterable<TensorInput>,
  metadata?: Record<string, string>,
): Promise<void> {
  if (Array.isArray(tensors)) {
    const list = tensors as TensorInput[];
    const w = await SafetensorsWriter.create(path, list, metadata);
    try {
      for (const t of list) await w.writeTensor(t);
      await w.close();
    } catch (err) {
      await w.abort();
      throw err;
    }
    return;
  }
  const spill = tempSibling(path) + '.data';
  const specs: TensorSpec[] = [];
  const fh = await fs.open(spill, 'wx+');
  try {
    let pos = 0;
    for await (const t of tensors) {
      const bytes = encodeTensorData(path, t);
      const spec = { name: t.name, dtype: t.dtype, shape: [...t.shape] };
      if (bytes.byteLength !== specByteLength(spec)) {
        throw new SafetensorsError(path, t.name, 'byte size does not match dtype and shape');
      }
      specs.push(spec);
      await fh.write(bytes, 0, bytes.byteLength, pos);
      pos += bytes.byteLength;
    }
    const w = await SafetensorsWriter.create(path, specs, metadata);
    try {
      const chunk = new Uint8Array(8 << 20);
      let at = 0;
      for (const s of specs) {
        for (let left = specByteLength(s); left > 0;) {
          const n = Math.min(left, chunk.byteLength);
          const { bytesRead } = await fh.read(chunk, 0, n, at);
          if (bytesRead === 0) throw new Error(`spill file ${spill} ended early`);
          await w.writeBytes(s.name, chunk.subarray(0, bytesRead));
          at += bytesRead;
          left -= bytesRead;
        }
      }
      await w.close();
    } catch (err) {
      await w.abort();
      throw err;
    }
  } finally {
    await fh.close();
    await fs.rm(spill, { force: true });
  }
}
