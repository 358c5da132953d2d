import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { HfModelFolder } from '../../formats/index.js';
import { importModel } from '../../pipeline/stages/elo.js';
import { filesDigest } from '../../storage/hashing.js';
import { openStore } from '../../storage/open-store.js';
import { downloadS3Folder } from '../../storage/s3-folder.js';
import { implementStage } from '../stage-activity.js';
import { producerOf, withScratch } from './scratch.js';

/** The files that make the model: config, weights, tokenizer (not READMEs or other notes). */
const MODEL_FILE =
  /^(config\.json|generation_config\.json|.*\.safetensors|model\.safetensors\.index\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json)$/;

/**
 * Where the folder comes from: a local path as is; `s3://bucket/prefix/name` is either an artifact
 * committed in the store `s3://bucket/prefix` (e.g. a previous run's model), fetched verified, or
 * a plain folder of uploaded files (a user's HF model), fetched as is and checked below.
 */
async function localFolder(source: string, dir: string): Promise<string> {
  if (!source.startsWith('s3://')) return path.resolve(source);
  const trimmed = source.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  const local = path.join(dir, 'source');
  const store = openStore(trimmed.slice(0, cut));
  if (await store.refOf(trimmed.slice(cut + 1)))
    await store.fetchFolder(trimmed.slice(cut + 1), local);
  else await downloadS3Folder(trimmed, local);
  return local;
}

/**
 * import-model: checks the folder is a Llama-family HF model the engine can read, with finite
 * weights (a streaming scan that names the file and tensor of a NaN or Inf), then commits its
 * model files under `models/<content digest>`: the same content always gives the same ref (committing
 * identical files again returns the existing artifact), so downstream cache keys hold.
 */
export const importModelActivity = implementStage(importModel, async (ctx) =>
  withScratch(async (dir) => {
    const folder = await localFolder(ctx.params.source, dir);
    const hf = await HfModelFolder.open(folder);
    let counts;
    try {
      hf.checkTensors();
      await hf.checkFinite();
      counts = hf.parameterCounts();
    } finally {
      await hf.close();
    }
    const files = (await readdir(folder)).filter((f) => MODEL_FILE.test(f)).sort();
    // The model files' names and contents, streamed: the model's identity.
    const digest = await filesDigest(folder, files);
    const key = `models/${digest.slice(0, 32)}`;
    let model = await ctx.store.refOf(key);
    if (!model) {
      const staged = path.join(dir, 'model');
      await mkdir(staged);
      for (const f of files) await copyFile(path.join(folder, f), path.join(staged, f));
      // The source path is left out of the manifest: the same model from elsewhere is the same ref.
      model = await ctx.store.commitFolder(key, staged, { producer: producerOf(ctx.stage) });
    }
    return { outputs: { model }, metrics: { parameters: counts.total } };
  }),
);
