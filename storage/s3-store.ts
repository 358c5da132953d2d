import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempSibling } from '../formats/atomic.js';
import { MANIFEST_NAME, type ArtifactRef, type Manifest } from './artifact-ref.js';
import type { ArtifactStore, CommitOptions } from './artifact-store.js';
import {
  ArtifactExistsError,
  ArtifactNotFoundError,
  CorruptArtifactError,
  StoreConfigError,
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
import { createS3Client } from './s3-client.js';
import { explainS3Error } from './s3-errors.js';
import { joinKey, parseS3Uri } from './s3-location.js';
import type { S3Settings } from './s3-settings.js';

/**
 * Multipart tuning: 4 parts in flight of 5 MiB (S3's minimum) — about 20-40 MiB of buffers per
 * upload whatever the file size — growing only for files past 50 GB, since S3 allows 10,000 parts.
 */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 4;
const partSizeFor = (bytes: number) => Math.max(MIN_PART_SIZE, Math.ceil(bytes / 9_000));

/**
 * Artifacts as objects under `s3://bucket/prefix/<key>/`. Large files go up as parallel multipart
 * uploads (failed ones aborted, never left as parts); the manifest is written last with
 * `If-None-Match: *`, so two writers cannot both commit a key. Integrity is our own sha256 per
 * file, since a multipart object's ETag/checksum is composite.
 */
export class S3Store implements ArtifactStore {
  readonly rootUri: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;
  private readonly where: string;

  constructor(uri: string, settings: S3Settings) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(uri));
    this.rootUri = `s3://${joinKey(this.bucket, this.prefix)}`;
    this.client = createS3Client(settings);
    this.where = `${settings.endpoint ?? 'AWS S3'} (bucket ${this.bucket})`;
  }

  close(): void {
    this.client.destroy();
  }

  uriFor(key: string): string {
    return `${this.rootUri}/${checkKey(key)}`;
  }

  keyOf(uri: string): string {
    if (!uri.startsWith(`${this.rootUri}/`)) {
      throw new StoreConfigError(`${uri} is not inside the store ${this.rootUri}`);
    }
    return checkKey(uri.slice(this.rootUri.length + 1));
  }

  async commitFolder(key: string, localDir: string, opts: CommitOptions): Promise<ArtifactRef> {
    const rels = await listLocalFiles(localDir);
    return this.commit(
      key,
      rels.map((rel) => ({
        rel,
        hash: () => sha256File(path.join(localDir, rel)),
        upload: async (objectKey) => {
          const file = path.join(localDir, rel);
          return this.uploadStream(objectKey, createReadStream(file), (await stat(file)).size);
        },
      })),
      opts,
    );
  }

  async commitFiles(
    key: string,
    inputs: ReadonlyArray<{ path: string; data: Uint8Array | string }>,
    opts: CommitOptions,
  ): Promise<ArtifactRef> {
    return this.commit(
      key,
      inputs.map((input) => {
        const data =
          typeof input.data === 'string' ? Buffer.from(input.data) : Buffer.from(input.data);
        const digest = { sha256: sha256Hex(data), bytes: data.length };
        return {
          rel: input.path,
          hash: () => Promise.resolve(digest),
          upload: async (objectKey: string) => {
            await this.call(() =>
              this.client.send(
                new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: data }),
              ),
            );
            return digest;
          },
        };
      }),
      opts,
    );
  }

  private async commit(
    key: string,
    sources: S3Source[],
    opts: CommitOptions,
  ): Promise<ArtifactRef> {
    const existing = await this.readManifest(key);
    if (existing) return this.sameOrConflict(key, existing, sources, opts);
    await this.putSmall(this.objectKey(key, STAGING_MARKER), new Date().toISOString());
    const files: Manifest['files'] = [];
    for (const source of sources) {
      const written = await source.upload(this.objectKey(key, checkRelPath(source.rel)));
      files.push({ path: source.rel, ...written });
    }
    const manifest = buildManifest(files, opts.producer, opts.meta);
    const bytes = manifestBytes(manifest);
    try {
      await this.call(() =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.objectKey(key, MANIFEST_NAME),
            Body: bytes,
            IfNoneMatch: '*',
          }),
        ),
      );
    } catch (err) {
      // Another writer committed first: fine if it wrote what we wrote.
      const name = (err as { name?: string }).name;
      if (name !== 'PreconditionFailed' && name !== 'ConditionalRequestConflict') throw err;
      const winner = await this.readManifest(key);
      if (!winner) throw err;
      return this.sameOrConflict(key, winner, sources, opts);
    }
    await this.call(() =>
      this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key, STAGING_MARKER) }),
      ),
    );
    return refFromManifest(this.uriFor(key), manifest);
  }

  private async sameOrConflict(
    key: string,
    existing: Manifest,
    sources: S3Source[],
    opts: CommitOptions,
  ): Promise<ArtifactRef> {
    const files = await Promise.all(
      sources.map(async (s) => ({ path: s.rel, ...(await s.hash()) })),
    );
    if (!sameContent(existing, buildManifest(files, opts.producer, opts.meta))) {
      throw new ArtifactExistsError(this.uriFor(key));
    }
    return (await this.refOf(key))!;
  }

  /** Multipart upload of a stream, hashed on the way; a failed upload is aborted by lib-storage. */
  private async uploadStream(
    objectKey: string,
    body: Readable,
    size: number,
  ): Promise<{ sha256: string; bytes: number }> {
    const tap = hashingTap();
    body.on('error', (err) => tap.stream.destroy(err));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: body.pipe(tap.stream) },
      partSize: partSizeFor(size),
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      throw explainS3Error(err, this.where, this.bucket);
    }
    return tap.digest();
  }

  async readManifest(key: string): Promise<Manifest | undefined> {
    const bytes = await this.getBytes(this.objectKey(key, MANIFEST_NAME));
    return bytes && parseManifest(bytes);
  }

  async refOf(key: string): Promise<ArtifactRef | undefined> {
    const bytes = await this.getBytes(this.objectKey(key, MANIFEST_NAME));
    const manifest = bytes && parseManifest(bytes);
    return manifest && bytes ? refFromManifest(this.uriFor(key), manifest) : undefined;
  }

  async fetchFolder(key: string, localDir: string): Promise<Manifest> {
    const manifest = await this.requireManifest(key);
    for (const file of manifest.files) {
      const target = path.join(localDir, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = tempSibling(target);
      const body = await this.getStream(this.objectKey(key, file.path));
      if (!body) throw new CorruptArtifactError(this.uriFor(key), file.path, 'is missing');
      const tap = hashingTap();
      try {
        await pipeline(body, tap.stream, createWriteStream(tmp));
      } catch (err) {
        await rm(tmp, { force: true });
        throw explainS3Error(err, this.where, this.bucket);
      }
      const got = tap.digest();
      if (got.sha256 !== file.sha256 || got.bytes !== file.bytes) {
        await rm(tmp, { force: true });
        throw CorruptArtifactError.mismatch(this.uriFor(key), file, got);
      }
      await rename(tmp, target);
    }
    return manifest;
  }

  async readFile(key: string, relPath: string): Promise<Buffer> {
    const manifest = await this.requireManifest(key);
    const file = manifest.files.find((f) => f.path === relPath);
    if (!file) throw new CorruptArtifactError(this.uriFor(key), relPath, 'is not in the manifest');
    const data = await this.getBytes(this.objectKey(key, relPath));
    if (!data) throw new CorruptArtifactError(this.uriFor(key), relPath, 'is missing');
    const got = { sha256: sha256Hex(data), bytes: data.length };
    if (got.sha256 !== file.sha256 || got.bytes !== file.bytes)
      throw CorruptArtifactError.mismatch(this.uriFor(key), file, got);
    return data;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for (const object of await this.listObjects(prefix)) {
      const rel = this.relKey(object.Key!);
      if (!rel.endsWith(`/${MANIFEST_NAME}`)) continue;
      const key = rel.slice(0, -MANIFEST_NAME.length - 1);
      if (await this.readManifest(key)) keys.push(key);
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.call(() =>
      this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key, MANIFEST_NAME) }),
      ),
    );
    await this.deleteObjects((await this.listObjects(key)).map((o) => o.Key!));
  }

  async cleanUncommitted(prefix: string, opts: { olderThanMs?: number } = {}): Promise<string[]> {
    const cutoff = Date.now() - (opts.olderThanMs ?? 60 * 60_000);
    const objects = await this.listObjects(prefix);
    const committed = new Set(
      objects
        .map((o) => this.relKey(o.Key!))
        .filter((k) => k.endsWith(`/${MANIFEST_NAME}`))
        .map((k) => k.slice(0, -MANIFEST_NAME.length - 1)),
    );
    const staged = objects.filter(
      (o) =>
        this.relKey(o.Key!).endsWith(`/${STAGING_MARKER}`) &&
        (o.LastModified?.getTime() ?? 0) <= cutoff,
    );
    const garbage: string[] = [];
    for (const marker of staged) {
      const key = this.relKey(marker.Key!).slice(0, -STAGING_MARKER.length - 1);
      const manifest = committed.has(key) ? await this.readManifest(key) : undefined;
      const keep = new Set(manifest?.files.map((f) => f.path) ?? []);
      keep.add(MANIFEST_NAME);
      for (const object of objects) {
        const rel = this.relKey(object.Key!);
        if (!rel.startsWith(`${key}/`)) continue;
        const inner = rel.slice(key.length + 1);
        const nestedCommitted = [...committed].some(
          (c) => c !== key && rel.startsWith(`${c}/`) && c.startsWith(`${key}/`),
        );
        if (manifest && (keep.has(inner) || nestedCommitted)) continue;
        if (!manifest && nestedCommitted) continue;
        garbage.push(object.Key!);
      }
    }
    await this.deleteObjects(garbage);
    const aborted = await this.abortStrayUploads(prefix, cutoff);
    return [...garbage.map((k) => this.relKey(k)), ...aborted];
  }

  /** Multipart uploads a killed writer left open hold storage until aborted (or a lifecycle rule). */
  private async abortStrayUploads(prefix: string, cutoff: number): Promise<string[]> {
    const aborted: string[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.call(() =>
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: this.objectKey(prefix),
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        ),
      );
      for (const upload of page.Uploads ?? []) {
        if ((upload.Initiated?.getTime() ?? 0) > cutoff) continue;
        await this.call(() =>
          this.client.send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: upload.Key!,
              UploadId: upload.UploadId!,
            }),
          ),
        );
        aborted.push(`${this.relKey(upload.Key!)} (multipart upload)`);
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async writeDocument(key: string, data: Uint8Array | string): Promise<void> {
    await this.putSmall(this.objectKey(key), data);
  }

  async readDocument(key: string): Promise<Buffer | undefined> {
    return this.getBytes(this.objectKey(key));
  }

  private objectKey(key: string, rel = ''): string {
    return joinKey(this.prefix, key === '' ? '' : checkKey(key), rel);
  }

  /** Object key → store key (the prefix removed). */
  private relKey(objectKey: string): string {
    return this.prefix === '' ? objectKey : objectKey.slice(this.prefix.length + 1);
  }

  private async putSmall(objectKey: string, data: Uint8Array | string): Promise<void> {
    await this.call(() =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: data })),
    );
  }

  private async getStream(objectKey: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }),
      );
      return out.Body as Readable;
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw explainS3Error(err, this.where, this.bucket);
    }
  }

  private async getBytes(objectKey: string): Promise<Buffer | undefined> {
    const body = await this.getStream(objectKey);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private async listObjects(prefix: string): Promise<_Object[]> {
    const objects: _Object[] = [];
    const Prefix =
      prefix === ''
        ? this.prefix === ''
          ? undefined
          : `${this.prefix}/`
        : `${this.objectKey(prefix)}/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken }),
        ),
      );
      objects.push(...(page.Contents ?? []));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return objects;
  }

  private async deleteObjects(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.call(() =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
    }
  }

  private async requireManifest(key: string): Promise<Manifest> {
    const manifest = await this.readManifest(key);
    if (!manifest) throw new ArtifactNotFoundError(this.uriFor(key));
    return manifest;
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw explainS3Error(err, this.where, this.bucket);
    }
  }
}

interface S3Source {
  rel: string;
  hash(): Promise<{ sha256: string; bytes: number }>;
  upload(objectKey: string): Promise<{ sha256: string; bytes: number }>;
}
