// Plain S3 folders: what a user uploaded with `aws s3 cp --recursive` (an HF model folder), not an
// artifact this project committed. No manifest, so nothing to verify against here: the caller
// validates the files (the model importer checks every tensor) and commits them as an artifact.
import { GetObjectCommand, ListObjectsV2Command, type _Object } from '@aws-sdk/client-s3';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempSibling } from '../formats/atomic.js';
import { EmptyFolderError } from './errors.js';
import { checkRelPath } from './manifest.js';
import { createS3Client } from './s3-client.js';
import { explainS3Error } from './s3-errors.js';
import { parseS3Uri } from './s3-location.js';
import { s3SettingsFromEnv, type S3Settings } from './s3-settings.js';

/**
 * Downloads every object under `s3://bucket/prefix/` into `localDir` (sub-folders kept), each to a
 * temporary name first, so an interrupted download leaves no file that looks complete.
 * Returns the relative paths, sorted. No object under the prefix → EmptyFolderError.
 */
export async function downloadS3Folder(
  uri: string,
  localDir: string,
  settings: S3Settings = s3SettingsFromEnv(),
): Promise<string[]> {
  const { bucket, prefix } = parseS3Uri(uri.replace(/\/+$/, ''));
  const client = createS3Client(settings);
  const where = settings.endpoint ?? 'AWS S3';
  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (err) {
      throw explainS3Error(err, where, bucket);
    }
  };
  try {
    const objects: _Object[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await call(() =>
        client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken }),
        ),
      );
      objects.push(...(page.Contents ?? []));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    const files = objects
      .map((o) => o.Key!.slice(prefix.length + 1))
      .filter((rel) => rel !== '' && !rel.endsWith('/'))
      .sort();
    if (files.length === 0) throw new EmptyFolderError(uri);
    for (const rel of files) {
      checkRelPath(rel);
      const target = path.join(localDir, rel);
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = tempSibling(target);
      try {
        const res = await call(() =>
          client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${rel}` })),
        );
        await call(() => pipeline(res.Body as Readable, createWriteStream(tmp)));
        await rename(tmp, target);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    }
    return files;
  } finally {
    client.destroy();
  }
}
