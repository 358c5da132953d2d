// Packed token shards: `<name>.bin` holds token ids as little-endian uint16 (vocab ≤ 65536) or
// uint32, back to back; `<name>.json` indexes it. The index is written last, after the .bin is
// complete and renamed into place, so a shard with an index is a whole shard.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { tempSibling, writeFileAtomic } from './atomic.js';
import './dtype.js'; // asserts a little-endian host
import { readExact } from './read-exact.js';

export const TOKEN_SHARD_FORMAT = 'elo-token-shard';
export const TOKEN_SHARD_VERSION = 1;

export class TokenShardError extends Error {
  override readonly name = 'TokenShardError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a sha256 hex digest' });
const count = z.number().int().nonnegative();

export const tokenShardIndexSchema = z.object({
  format: z.literal(TOKEN_SHARD_FORMAT),
  version: z.literal(TOKEN_SHARD_VERSION),
  dtype: z.enum(['uint16', 'uint32']),
  vocabSize: z
    .number()
    .int()
    .positive()
    .max(2 ** 32),
  tokenizerHash: hex64,
  /** The .bin's file name, in the index's folder. */
  bin: z.string().min(1),
  tokenCount: count,
  sha256: hex64,
  /** [startToken, length, lang] per document, in order, tiling the shard. */
  documents: z.array(z.tuple([count, count, z.string().min(1)])),
});
export type TokenShardIndex = z.infer<typeof tokenShardIndexSchema>;
export type TokenDType = TokenShardIndex['dtype'];

export function tokenDType(vocabSize: number): TokenDType {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

const bytesPer = (d: TokenDType) => (d === 'uint16' ? 2 : 4);

/** `x.bin` → `x.json` (and `x.json` stays). */
export function indexPathFor(p: string): string {
  return p.endsWith('.bin') ? p.slice(0, -4) + '.json' : p;
}

export interface TokenShardWriterOptions {
  vocabSize: number;
  tokenizerHash: string;
  /** Bytes buffered before a write; appends are copied into this buffer. */
  bufferBytes?: number;
}

export class TokenShardWriter {
  private readonly hash = createHash('sha256');
  private readonly buf: Uint8Array;
  private fill = 0;
  private position = 0;
  private tokenCount = 0;
  private readonly documents: [number, number, string][] = [];
  private done = false;

  private constructor(
    readonly binPath: string,
    private readonly tmp: string,
    private readonly fh: fs.FileHandle,
    private readonly opts: TokenShardWriterOptions,
    readonly dtype: TokenDType,
  ) {
    // A whole number of uint32s, so either token width fills it exactly.
    this.buf = new Uint8Array(Math.max(4, (opts.bufferBytes ?? 1 << 20) & ~3));
  }

  /** Starts `binPath` (must end in `.bin`); the index goes next to it as `.json`. */
  static async create(binPath: string, opts: TokenShardWriterOptions): Promise<TokenShardWriter> {
    if (!binPath.endsWith('.bin'))
      throw new TokenShardError(binPath, 'shard file must end in .bin');
    if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < 1 || opts.vocabSize > 2 ** 32) {
      throw new TokenShardError(binPath, `invalid vocab size ${opts.vocabSize}`);
    }
    if (!/^[0-9a-f]{64}$/.test(opts.tokenizerHash)) {
      throw new TokenShardError(binPath, 'tokenizerHash must be a sha256 hex digest');
    }
    const tmp = tempSibling(binPath);
    const fh = await fs.open(tmp, 'wx');
    return new TokenShardWriter(binPath, tmp, fh, opts, tokenDType(opts.vocabSize));
  }

  get tokens(): number {
    return this.tokenCount;
  }

  /** Appends one document's tokens (ids must be < vocabSize); a rejected document adds nothing. */
  async appendDocument(tokens: ArrayLike<number>, lang: string): Promise<void> {
    if (this.done) throw new TokenShardError(this.binPath, 'writer is closed');
    if (!lang) throw new TokenShardError(this.binPath, 'document language is empty');
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= this.opts.vocabSize) {
        throw new TokenShardError(
          this.binPath,
          `token ${t} at document ${this.documents.length}, position ${i} is outside vocab ${this.opts.vocabSize}`,
        );
      }
    }
    // Typed-array views write little-endian on this (checked little-endian) host.
    const size = bytesPer(this.dtype);
    const capacity = this.buf.byteLength / size;
    const view = size === 2 ? new Uint16Array(this.buf.buffer) : new Uint32Array(this.buf.buffer);
    for (let i = 0; i < tokens.length;) {
      if (this.fill === this.buf.byteLength) await this.flush();
      const at = this.fill / size;
      const n = Math.min(capacity - at, tokens.length - i);
      for (let k = 0; k < n; k++) view[at + k] = tokens[i + k]!;
      i += n;
      this.fill += n * size;
    }
    this.documents.push([this.tokenCount, tokens.length, lang]);
    this.tokenCount += tokens.length;
  }

  /** Completes the .bin, renames it into place, then writes the index. */
  async close(): Promise<TokenShardIndex> {
    if (this.done) throw new TokenShardError(this.binPath, 'writer is closed');
    try {
      await this.flush();
      await this.fh.datasync();
      await this.fh.close();
      this.done = true;
      await fs.rename(this.tmp, this.binPath);
    } catch (err) {
      await this.abort();
      throw err;
    }
    const index: TokenShardIndex = {
      format: TOKEN_SHARD_FORMAT,
      version: TOKEN_SHARD_VERSION,
      dtype: this.dtype,
      vocabSize: this.opts.vocabSize,
      tokenizerHash: this.opts.tokenizerHash,
      bin: path.basename(this.binPath),
      tokenCount: this.tokenCount,
      sha256: this.hash.digest('hex'),
      documents: this.documents,
    };
    await writeFileAtomic(indexPathFor(this.binPath), JSON.stringify(index) + '\n');
    return index;
  }

  async abort(): Promise<void> {
    this.done = true;
    await this.fh.close().catch(() => undefined);
    await fs.rm(this.tmp, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    const bytes = this.buf.subarray(0, this.fill);
    this.hash.update(bytes);
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
    this.fill = 0;
  }
}

/** Validates an index's content against itself (documents tile the tokens). */
export function parseTokenShardIndex(file: string, json: unknown): TokenShardIndex {
  const r = tokenShardIndexSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new TokenShardError(file, `${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const idx = r.data;
  if (idx.dtype !== tokenDType(idx.vocabSize)) {
    throw new TokenShardError(file, `dtype ${idx.dtype} does not fit vocab size ${idx.vocabSize}`);
  }
  if (idx.bin !== path.basename(idx.bin)) {
    throw new TokenShardError(file, `bin "${idx.bin}" is not a file name in the index's folder`);
  }
  let cursor = 0;
  for (const [i, [start, length]] of idx.documents.entries()) {
    if (start !== cursor) {
      throw new TokenShardError(file, `documents.${i} starts at ${start}, expected ${cursor}`);
    }
    cursor += length;
  }
  if (cursor !== idx.tokenCount) {
    throw new TokenShardError(
      file,
      `documents cover ${cursor} tokens, tokenCount is ${idx.tokenCount}`,
    );
  }
  return idx;
}

/** Reads tokens at any offset with positioned reads; the shard is never loaded whole. */
export class TokenShard {
  private constructor(
    readonly indexPath: string,
    readonly binPath: string,
    readonly index: TokenShardIndex,
    private readonly fh: fs.FileHandle,
  ) {}

  /** Opens by the index (`x.json`) or the shard (`x.bin`) path. */
  static async open(p: string): Promise<TokenShard> {
    const indexPath = indexPathFor(p);
    let json: unknown;
    try {
      json = JSON.parse(await fs.readFile(indexPath, 'utf8'));
    } catch (err) {
      throw new TokenShardError(indexPath, `unreadable index (${(err as Error).message})`);
    }
    const index = parseTokenShardIndex(indexPath, json);
    const binPath = path.join(path.dirname(indexPath), index.bin);
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(binPath, 'r');
    } catch (err) {
      throw new TokenShardError(binPath, `cannot open (${(err as Error).message})`);
    }
    const { size } = await fh.stat();
    const want = index.tokenCount * bytesPer(index.dtype);
    if (size !== want) {
      await fh.close();
      throw new TokenShardError(
        binPath,
        `is ${size} bytes, index says ${index.tokenCount} tokens (${want} bytes)`,
      );
    }
    return new TokenShard(indexPath, binPath, index, fh);
  }

  get tokenCount(): number {
    return this.index.tokenCount;
  }

  get documents(): readonly (readonly [number, number, string])[] {
    return this.index.documents;
  }

  /** `count` tokens from `offset`, widened to uint32. */
  async read(offset: number, count: number): Promise<Uint32Array> {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(count) ||
      offset < 0 ||
      count < 0 ||
      offset + count > this.tokenCount
    ) {
      throw new TokenShardError(
        this.binPath,
        `read of ${count} tokens at ${offset} is outside its ${this.tokenCount} tokens`,
      );
    }
    const size = bytesPer(this.index.dtype);
    const bytes = new Uint8Array(count * size);
    await readExact(
      this.fh,
      bytes,
      offset * size,
      () => new TokenShardError(this.binPath, 'truncated'),
    );
    if (size === 4) return new Uint32Array(bytes.buffer);
    return Uint32Array.from(new Uint16Array(bytes.buffer));
  }

  /** Tokens of document `i`. */
  readDocument(i: number): Promise<Uint32Array> {
    const d = this.index.documents[i];
    if (!d) throw new TokenShardError(this.indexPath, `no document ${i}`);
    return this.read(d[0], d[1]);
  }

  /** Token count per language. */
  languageCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [, n, lang] of this.index.documents) out[lang] = (out[lang] ?? 0) + n;
    return out;
  }

  /** Re-hashes the .bin (streamed) and checks it against the index. */
  async verify(): Promise<void> {
    const hash = createHash('sha256');
    const chunk = new Uint8Array(4 << 20);
    const total = this.tokenCount * bytesPer(this.index.dtype);
    for (let pos = 0; pos < total;) {
      const part = chunk.subarray(0, Math.min(chunk.byteLength, total - pos));
      await readExact(this.fh, part, pos, () => new TokenShardError(this.binPath, 'truncated'));
      hash.update(part);
      pos += part.byteLength;
    }
    const got = hash.digest('hex');
    if (got !== this.index.sha256) {
      throw new TokenShardError(
        this.binPath,
        `sha256 ${got} does not match the index (${this.index.sha256})`,
      );
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
