import type { ArtifactRef } from '../../storage/artifact-ref.js';
import { sha256Json } from '../../formats/sha256.js';

export interface CacheKeyParts {
  stage: string;
  version: string;
  /** Params after the stage's schema parsed them (defaults filled in). */
  params: unknown;
  inputs: Record<string, ArtifactRef>;
  /** Content digests of the files the params name (`StageDef.sourcesOf`), by path. */
  sources?: Record<string, string>;
}

/**
 * sha256 over canonical JSON of (stage, version, params, input digests, and the digests of source
 * files the params name). Input URIs are left out on purpose: the same bytes stored under another
 * run's folder are the same input.
 */
export function cacheKey(parts: CacheKeyParts): string {
  const inputs = Object.fromEntries(
    Object.entries(parts.inputs).map(([name, ref]) => [name, ref.sha256]),
  );
  return sha256Json({
    stage: parts.stage,
    version: parts.version,
    params: parts.params,
    inputs,
    // Only where a stage names files: other stages keep the keys they always had.
    ...(parts.sources && Object.keys(parts.sources).length ? { sources: parts.sources } : {}),
  });
}

/** Where a stage result's cache entry is committed in the store. */
export function cacheEntryKey(key: string): string {
  return `cache/${key}`;
}
