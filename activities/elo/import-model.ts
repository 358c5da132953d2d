import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { HfModelFolder } from '../../formats/index.js';
import { importModel } from '../../pipeline/stages/elo.js';
import { openStore } from '../../storage/open-store.js';
import { implementStage } from '../stage-activity.js';
import { producerOf, withScratch } from './scratch.js';

/** Every file's name and content, hashed: the folder's identity. */
async function folderDigest(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const name of (await readdir(dir)).sort()) {
    h.update(name + '\0');
    h.update(await readFile(path.join(dir, name)));
  }
  return h.digest('hex');
}

/**
 * Where the folder comes from: a local path as is; `s3://bucket/prefix/name` is an artifact
 * committed in the store `s3://bucket/prefix` (e.g. a previous run's model), fetched verified.
 */
async function localFolder(source: string, dir: string): Promise<string> {
  if (!source.startsWith('s3://')) return path.resolve(source);
  const cut = source.replace(/\/+$/, '').lastIndexOf('/');
  const store = openStore(source.slice(0, cut));
  const local = path.join(dir, 'source');
  await store.fetchFolder(source.slice(cut + 1), local);
  return local;
}

/**
 * import-model: checks the folder is a Llama-family HF model the engine can read, then commits it
 * under `models/<content digest>`: the same content always gives the same ref (committing
 * identical files again returns the existing artifact), so downstream cache keys hold.
 */
export const importModelActivity = implementStage(importModel, async (ctx) =>
  withScratch(async (dir) => {
    const folder = await localFolder(ctx.params.source, dir);
    const hf = await HfModelFolder.open(folder);
    let counts;
    try {
      hf.checkTensors();
      counts = hf.parameterCounts();
    } finally {
      await hf.close();
    }
    const digest = await folderDigest(folder);
    const key = `models/${digest.slice(0, 32)}`;
    const model =
      (await ctx.store.refOf(key)) ??
      (await ctx.store.commitFolder(key, folder, {
        producer: producerOf(ctx.stage),
        meta: { source: ctx.params.source },
      }));
    return { outputs: { model }, metrics: { parameters: counts.total } };
  }),
);
