import { MANIFEST_NAME, ManifestSchema, type ArtifactRef, type Manifest } from './artifact-ref.js';
import { StoreConfigError } from './errors.js';
import { canonicalJson, sha256Json } from './hashing.js';

/** Marks an artifact folder as being written; removed after the manifest lands. */
export const STAGING_MARKER = '.uncommitted';

export function buildManifest(
  files: Manifest['files'],
  producer: string,
  meta: Record<string, unknown> = {},
): Manifest {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    format: 'elo-artifact/1',
    producer,
    created: new Date().toISOString(),
    files: sorted,
    meta,
  };
}

/** Serialized manifest bytes, as stored in MANIFEST.json. */
export function manifestBytes(manifest: Manifest): Buffer {
  return Buffer.from(canonicalJson(manifest) + '\n', 'utf8');
}

/** Parses manifest bytes; undefined when they are not a valid manifest (then nothing is committed). */
export function parseManifest(bytes: Uint8Array): Manifest | undefined {
  try {
    const result = ManifestSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The artifact's content digest: over its files' digests and its meta, not over who wrote it or
 * when — so identical content committed twice has one digest, and cache keys built from it let
 * the dependents of a re-run that produced the same bytes stay cached.
 */
export function contentDigest(manifest: Manifest): string {
  return sha256Json({ files: manifest.files, meta: manifest.meta });
}

export function refFromManifest(uri: string, manifest: Manifest): ArtifactRef {
  return {
    uri,
    sha256: contentDigest(manifest),
    bytes: manifest.files.reduce((sum, f) => sum + f.bytes, 0),
    meta: manifest.meta,
  };
}

/** Same files with the same digests: a retried commit of identical content is not a conflict. */
export function sameContent(a: Manifest, b: Manifest): boolean {
  return (
    canonicalJson(a.files) === canonicalJson(b.files) &&
    canonicalJson(a.meta) === canonicalJson(b.meta)
  );
}

/** Keys are relative slash paths without `.`/`..` segments; manifest names are reserved. */
export function checkKey(key: string): string {
  const clean = key.replace(/^\/+|\/+$/g, '');
  if (clean === '' || clean.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new StoreConfigError(
      `invalid artifact key "${key}": use a relative path like runs/demo/model`,
    );
  }
  return clean;
}

export function checkRelPath(rel: string): string {
  const clean = checkKey(rel);
  if (clean === MANIFEST_NAME || clean === STAGING_MARKER) {
    throw new StoreConfigError(`"${rel}" is a reserved file name inside an artifact`);
  }
  return clean;
}

/** `stage@version`: the producer recorded in manifests. */
export const producerOf = (stage: { name: string; version: string }) =>
  `${stage.name}@${stage.version}`;
