// Random access to one safetensors file: the header is parsed on open, each tensor is read from
// its own byte range with positioned reads, so memory follows the tensor, not the file.
import fs from 'node:fs/promises';
import { bf16ToFloat32, f16ToFloat32, type Tensor, type TensorData, viewAs } from './dtype.js';
import { readExact } from './read-exact.js';
import { SafetensorsError } from './safetensors-error.js';
import { parseHeaderJson, parseHeaderLength, type TensorInfo } from './safetensors-header.js';

export type { TensorInfo } from './safetensors-header.js';

export interface ReadTensorOptions {
  /**
   * Widen F16/BF16/F64 to a Float32Array (F32 is returned as is); the returned tensor's dtype
   * is then 'F32' (`info(name).dtype` still tells the stored one). Integer dtypes are refused.
   */
  asFloat32?: boolean;
}

/** Default chunk for streaming copies: large enough for throughput, small next to any model. */
export const DEFAULT_CHUNK_BYTES = 8 << 20;

/** What both a single file and a sharded set offer. */
export interface TensorSource {
  tensorNames(): string[];
  info(name: string): TensorInfo & { file: string };
  readTensor(name: string, opts?: ReadTensorOptions): Promise<Tensor>;
  readRaw(name: string): Promise<Buffer>;
  readRawChunks(name: string, chunk?: Uint8Array): AsyncGenerator<Uint8Array>;
  close(): Promise<void>;
}

export class SafetensorsFile implements TensorSource {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: fs.FileHandle,
    readonly fileSize: number,
    readonly dataStart: number,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly tensors: Map<string, TensorInfo>,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(path, 'r');
    } catch (err) {
      throw new SafetensorsError(path, undefined, `cannot open (${(err as Error).message})`);
    }
    try {
      const { size } = await fh.stat();
      const prefix = new Uint8Array(8);
      const short = () => new SafetensorsError(path, undefined, 'file ended inside the header');
      if (size >= 8) await readExact(fh, prefix, 0, short);
      const headerLength = parseHeaderLength(path, prefix, size);
      const headerBytes = new Uint8Array(headerLength);
      await readExact(fh, headerBytes, 8, short);
      const header = parseHeaderJson(path, headerBytes, size);
      return new SafetensorsFile(path, fh, size, header.dataStart, header.metadata, header.tensors);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Tensor names in file (offset) order. */
  tensorNames(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo & { file: string } {
    const info = this.tensors.get(name);
    if (!info) throw new SafetensorsError(this.path, name, 'no such tensor');
    return { ...info, shape: [...info.shape], file: this.path };
  }

  async readRaw(name: string): Promise<Buffer> {
    const info = this.info(name);
    this.assertOpen(name);
    // A fresh allocation starts at offset 0, so typed views over it are aligned.
    const buf = Buffer.alloc(info.byteLength);
    await readExact(this.fh, buf, info.byteOffset, () => this.truncated(name));
    return buf;
  }

  /**
   * Streams a tensor's bytes. Each yielded view aliases `chunk` (reused between yields):
   * consume it before asking for the next one.
   */
  async *readRawChunks(
    name: string,
    chunk: Uint8Array = new Uint8Array(DEFAULT_CHUNK_BYTES),
  ): AsyncGenerator<Uint8Array> {
    const info = this.info(name);
    this.assertOpen(name);
    for (let done = 0; done < info.byteLength;) {
      const part = chunk.subarray(0, Math.min(chunk.byteLength, info.byteLength - done));
      await readExact(this.fh, part, info.byteOffset + done, () => this.truncated(name));
      done += part.byteLength;
      yield part;
    }
  }

  async readTensor(name: string, opts: ReadTensorOptions = {}): Promise<Tensor> {
    const info = this.info(name);
    const raw = await this.readRaw(name);
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    let data: TensorData = viewAs(info.dtype, bytes);
    if (opts.asFloat32) {
      switch (info.dtype) {
        case 'F32':
          break;
        case 'BF16':
          data = bf16ToFloat32(data as Uint16Array);
          break;
        case 'F16':
          data = f16ToFloat32(data as Uint16Array);
          break;
        case 'F64':
          data = Float32Array.from(data as Float64Array);
          break;
        default:
          throw new SafetensorsError(this.path, name, `cannot read ${info.dtype} as float32`);
      }
    }
    return { dtype: opts.asFloat32 ? 'F32' : info.dtype, shape: info.shape, data };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  private assertOpen(name: string): void {
    if (this.closed) throw new SafetensorsError(this.path, name, 'file is closed');
  }

  private truncated(name: string): SafetensorsError {
    return new SafetensorsError(
      this.path,
      name,
      'file is shorter than its header says (truncated?)',
    );
  }
}
