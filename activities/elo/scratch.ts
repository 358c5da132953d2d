import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArtifactRef } from '../../storage/artifact-ref.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';

/** Runs `fn` with a fresh local folder that is removed afterwards, whatever happens. */
export async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(process.env['ELO_SCRATCH'] ?? os.tmpdir(), 'elo-stage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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

/** `stage@version`: the producer recorded in manifests. */
export const producerOf = (stage: { name: string; version: string }) =>
  `${stage.name}@${stage.version}`;
