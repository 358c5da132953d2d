import path from 'node:path';
import type { ArtifactStore } from './artifact-store.js';
import { StoreConfigError } from './errors.js';
import { FileStore } from './file-store.js';
import { parseS3StoreUri } from './s3-location.js';
import { S3Store } from './s3-store.js';
import { s3SettingsFromEnv, type S3Settings } from './s3-settings.js';

/** The store URI when none is given: $ELO_STORE, else ./runs in the working directory. */
export function defaultStoreUri(env: NodeJS.ProcessEnv = process.env): string {
  return env['ELO_STORE'] || path.resolve('runs');
}

/**
 * Opens the store a URI names: `s3://bucket/prefix[?endpoint=…]` (S3 settings from the
 * environment unless given; where the URI names a location, it wins: the run carries it, see
 * s3-location.ts), `file:///abs/path`, or a plain local path.
 */
export function openStore(uri: string = defaultStoreUri(), s3?: S3Settings): ArtifactStore {
  if (uri.startsWith('s3://')) {
    const { location } = parseS3StoreUri(uri);
    return new S3Store(uri, { ...(s3 ?? s3SettingsFromEnv()), ...location });
  }
  if (uri.startsWith('file://')) return new FileStore(new URL(uri).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new StoreConfigError(
      `unsupported store URI "${uri}": use s3://bucket/prefix, file:///path or a local path`,
    );
  }
  return new FileStore(uri);
}
