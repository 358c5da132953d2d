// Content digests of the files a stage's params name (prepare-data's corpora and tokenizer), for
// its cache key: the path alone would serve a corpus edited in place from the old shards.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256File, sha256Hex } from '../../storage/hashing.js';
import { createS3Client } from '../../storage/s3-client.js';
import { parseS3Uri } from '../../storage/s3-location.js';
import { s3SettingsFromEnv } from '../../storage/s3-settings.js';

/**
 * `{path: digest}`: a local file's streamed sha256; a folder's, over its files' names and digests;
 * an S3 object's ETag and size (content-derived, and no download). A path that cannot be read
 * gets a marker: the stage itself then reports it with its own message.
 */
export async function sourceDigests(paths: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of [...new Set(paths)].sort()) out[p] = await digestOf(p);
  return out;
}

async function digestOf(p: string): Promise<string> {
  try {
    if (p.startsWith('s3://')) return await s3Digest(p);
    const info = await stat(p);
    if (!info.isDirectory()) return (await sha256File(p)).sha256;
    const parts: string[] = [];
    for (const e of (await readdir(p, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (e.isFile()) parts.push(`${e.name}:${(await sha256File(path.join(p, e.name))).sha256}`);
    }
    return `dir:${sha256Hex(parts.join('\n'))}`;
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? (err as Error).name}`;
  }
}

async function s3Digest(uri: string): Promise<string> {
  const { bucket, prefix } = parseS3Uri(uri);
  const client = createS3Client(s3SettingsFromEnv());
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix }));
    return `s3:${head.ETag ?? '?'}:${head.ContentLength ?? '?'}`;
  } finally {
    client.destroy();
  }
}
