import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempSibling, writeFileAtomic } from '../formats/atomic.js';
import { MANIFEST_NAME, type ArtifactRef, type Manifest } from './artifact-ref.js';
import type { ArtifactStore, CommitOptions } from './artifact-store.js';
import {
  ArtifactExistsError,
  ArtifactNotFoundError,
  CorruptArtifactError,
  StoreConfigError,
  StoreFullError,
} from './errors.js';
import { sha256File, sha256Hex } from './hashing.js';
import { hashingTap } from './hashing-tap.js';
import { listLocalFiles } from './local-files.js';
import {
  buildManifest,
  checkKey,
  checkRelPath,
  manifestBytes,
  parseManifest,
  refFromManifest,
  sameContent,
  STAGING_MARKER,
} from './manifest.js';

/** Artifacts as folders on a local (or mounted) file system; every write is temp-file + rename. */
export class FileStore implements ArtifactStore {
  readonly rootUri: string;

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.rootUri = pathToFileURL(this.root).href;
  }

  uriFor(key: string): string {
    return `${this.rootUri}/${checkKey(key)}`;
  }

  keyOf(uri: string): string {
    const file = uri.startsWith('file:') ? fileURLToPath(uri) : path.resolve(uri);
    const rel = path.relative(this.root, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new StoreConfigError(`${uri} is not inside the store ${this.rootUri}`);
    }
    return checkKey(rel.split(path.sep).join('/'));
  }

  async commitFolder(key: string, localDir: string, opts: CommitOptions): Promise<ArtifactRef> {
    const sources = (await listLocalFiles(localDir)).map((rel) =>
      fileSource(rel, path.join(localDir, rel)),
    );
    return this.commit(key, sources, opts);
  }

  async commitFiles(
    key: string,
    inputs: ReadonlyArray<{ path: string; data: Uint8Array | string }>,
    opts: CommitOptions,
  ): Promise<ArtifactRef> {
    return this.commit(key, inputs.map(bufferSource), opts);
  }

  /**
   * Marker, files, manifest (atomic rename), marker removed. A key that is already committed is
   * never rewritten: identical content returns the existing ref (a retried activity), different
   * content is an error.
   */
  private async commit(key: string, sources: Source[], opts: CommitOptions): Promise<ArtifactRef> {
    const dir = this.dirOf(key);
    const existing = await this.readManifest(key);
    if (existing) {
      const files = await Promise.all(
        sources.map(async (s) => ({ path: s.rel, ...(await s.hash()) })),
      );
      if (!sameContent(existing, buildManifest(files, opts.producer, opts.meta))) {
        throw new ArtifactExistsError(this.uriFor(key));
      }
      return (await this.refOf(key))!;
    }
    let manifest: Manifest;
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, STAGING_MARKER), new Date().toISOString());
      const files: Manifest['files'] = [];
      for (const source of sources) {
        const written = await source.writeTo(path.join(dir, checkRelPath(source.rel)));
        files.push({ path: source.rel, ...written });
      }
      manifest = buildManifest(files, opts.producer, opts.meta);
      await writeFileAtomic(path.join(dir, MANIFEST_NAME), manifestBytes(manifest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      // Never committed (no manifest), so no reader trusts it; its files go to give space back.
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw new StoreFullError(this.root, key, { cause: err });
    }
    await rm(path.join(dir, STAGING_MARKER), { force: true });
    return refFromManifest(this.uriFor(key), manifest);
  }

  async readManifest(key: string): Promise<Manifest | undefined> {
    const bytes = await readIfExists(path.join(this.dirOf(key), MANIFEST_NAME));
    return bytes && parseManifest(bytes);
  }

  async refOf(key: string): Promise<ArtifactRef | undefined> {
    const bytes = await readIfExists(path.join(this.dirOf(key), MANIFEST_NAME));
    const manifest = bytes && parseManifest(bytes);
    return manifest && bytes ? refFromManifest(this.uriFor(key), manifest) : undefined;
  }

  async fetchFolder(key: string, localDir: string): Promise<Manifest> {
    const manifest = await this.requireManifest(key);
    for (const file of manifest.files) {
      const source = path.join(this.dirOf(key), file.path);
      const target = path.join(localDir, file.path);
      const got = await copyHashed(source, target).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT')
          throw new CorruptArtifactError(this.uriFor(key), file.path, 'is missing');
        throw err;
      });
      if (got.sha256 !== file.sha256 || got.bytes !== file.bytes) {
        await rm(target, { force: true });
        throw CorruptArtifactError.mismatch(this.uriFor(key), file, got);
      }
    }
    return manifest;
  }

  async readFile(key: string, relPath: string): Promise<Buffer> {
    const manifest = await this.requireManifest(key);
    const file = manifest.files.find((f) => f.path === relPath);
    if (!file) throw new CorruptArtifactError(this.uriFor(key), relPath, 'is not in the manifest');
    const data = await readIfExists(path.join(this.dirOf(key), relPath));
    if (!data) throw new CorruptArtifactError(this.uriFor(key), relPath, 'is missing');
    const got = { sha256: sha256Hex(data), bytes: data.length };
    if (got.sha256 !== file.sha256 || got.bytes !== file.bytes)
      throw CorruptArtifactError.mismatch(this.uriFor(key), file, got);
    return data;
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix === '' ? this.root : this.dirOf(prefix);
    const rels = await listLocalFiles(base).catch(() => [] as string[]);
    const keys: string[] = [];
    for (const rel of rels) {
      if (rel !== MANIFEST_NAME && !rel.endsWith(`/${MANIFEST_NAME}`)) continue;
      const key = path.posix.join(prefix, path.posix.dirname(rel));
      if (await this.readManifest(key)) keys.push(key);
    }
    return keys;
  }

  async delete(key: string): Promise<void> {
    const dir = this.dirOf(key);
    await rm(path.join(dir, MANIFEST_NAME), { force: true }); // stops existing first
    await rm(dir, { recursive: true, force: true });
  }

  async cleanUncommitted(prefix: string, opts: { olderThanMs?: number } = {}): Promise<string[]> {
    const base = prefix === '' ? this.root : this.dirOf(prefix);
    const rels = await listLocalFiles(base).catch(() => [] as string[]);
    const removed: string[] = [];
    const cutoff = Date.now() - (opts.olderThanMs ?? 60 * 60_000);
    for (const rel of rels) {
      const isMarker = rel === STAGING_MARKER || rel.endsWith(`/${STAGING_MARKER}`);
      const isTemp = /\.tmp-[0-9a-f]+$/.test(rel);
      if (!isMarker && !isTemp) continue;
      const full = path.join(base, rel);
      const info = await stat(full).catch(() => undefined); // gone with an earlier staged folder
      if (!info || info.mtimeMs > cutoff) continue; // a writer may still be at work
      if (isTemp) {
        await rm(full, { force: true });
        removed.push(path.posix.join(prefix, rel));
        continue;
      }
      const key = path.posix.join(prefix, path.posix.dirname(rel));
      removed.push(...(await this.removeStaged(key)));
    }
    return removed;
  }

  /** A staged folder: with no manifest everything goes; with one, only files it does not list. */
  private async removeStaged(key: string): Promise<string[]> {
    const dir = this.dirOf(key);
    const manifest = await this.readManifest(key);
    const keep = new Set([MANIFEST_NAME, ...(manifest?.files.map((f) => f.path) ?? [])]);
    const removed: string[] = [];
    for (const rel of await listLocalFiles(dir)) {
      if (keep.has(rel)) continue;
      // Files of artifacts nested below this one are theirs, not garbage.
      if (manifest === undefined || !(await this.isInsideCommittedChild(key, rel))) {
        await rm(path.join(dir, rel), { force: true });
        removed.push(`${key}/${rel}`);
      }
    }
    if (!manifest) await rm(dir, { recursive: true, force: true });
    return removed;
  }

  private async isInsideCommittedChild(key: string, rel: string): Promise<boolean> {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (await this.readManifest(`${key}/${parts.slice(0, i).join('/')}`)) return true;
    }
    return false;
  }

  async writeDocument(key: string, data: Uint8Array | string): Promise<void> {
    await writeFileAtomic(
      this.dirOf(key),
      typeof data === 'string' ? Buffer.from(data) : data,
    ).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOSPC' ? new StoreFullError(this.root, key, { cause: err }) : err;
    });
  }

  async readDocument(key: string): Promise<Buffer | undefined> {
    return readIfExists(this.dirOf(key));
  }

  private dirOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  private async requireManifest(key: string): Promise<Manifest> {
    const manifest = await this.readManifest(key);
    if (!manifest) throw new ArtifactNotFoundError(this.uriFor(key));
    return manifest;
  }
}

/** One file to commit: hashed without writing (to compare), or written while hashed. */
interface Source {
  rel: string;
  hash(): Promise<{ sha256: string; bytes: number }>;
  writeTo(target: string): Promise<{ sha256: string; bytes: number }>;
}

function fileSource(rel: string, file: string): Source {
  return { rel, hash: () => sha256File(file), writeTo: (target) => copyHashed(file, target) };
}

function bufferSource(input: { path: string; data: Uint8Array | string }): Source {
  const data = typeof input.data === 'string' ? Buffer.from(input.data) : input.data;
  const digest = { sha256: sha256Hex(data), bytes: data.length };
  return {
    rel: input.path,
    hash: () => Promise.resolve(digest),
    writeTo: async (target) => {
      await writeFileAtomic(target, data);
      return digest;
    },
  };
}

/** Streams `source` to `target` via a temp file, hashing on the way. */
async function copyHashed(
  source: string,
  target: string,
): Promise<{ sha256: string; bytes: number }> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  const tap = hashingTap();
  try {
    await pipeline(
      createReadStream(source, { highWaterMark: 1 << 20 }),
      tap.stream,
      createWriteStream(tmp),
    );
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return tap.digest();
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ENOENT' ||
      (err as NodeJS.ErrnoException).code === 'EISDIR'
    ) {
      return undefined;
    }
    throw err;
  }
}
