import path from 'node:path';
import type { ArtifactRef } from '../../storage/artifact-ref.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';

// The stages' helpers in one import; each is defined once, in storage/.
export { producerOf } from '../../storage/manifest.js';
export { withScratch } from '../../storage/scratch.js';

/** Downloads a committed artifact into `dir/name` (every file verified) and returns that path. */
export async function fetchRef(
  store: ArtifactStore,
  ref: ArtifactRef,
  dir: string,
  name: string,
): Promise<string> {
  const local = path.join(dir, name);
  await store.fetchFolder(store.keyOf(ref.uri), local);
  return local;
}

/** Reads one JSON file of a committed artifact (verified against its manifest). */
export async function readJsonRef<T>(
  store: ArtifactStore,
  ref: ArtifactRef,
  file: string,
): Promise<T> {
  return JSON.parse((await store.readFile(store.keyOf(ref.uri), file)).toString('utf8')) as T;
}
