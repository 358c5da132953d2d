// The layout of a `prepare-data` artifact, shared by the stages that read it: dataprep's output
// folder plus `shards.json` (which shard files hold what) and `tokenizer/` (the tokenizer the
// shards were made with, so a from-scratch model gets the same one).
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrepareDataResult } from '../../dataprep/index.js';
import { TOKENIZER_SIDE_FILES } from '../../formats/index.js';

export const SHARDS_FILE = 'shards.json';
export const TOKENIZER_DIR = 'tokenizer';

export type ShardList = PrepareDataResult['shards'];

/** The shard list of a fetched data artifact, as absolute paths. */
export async function readShardList(dataDir: string): Promise<ShardList> {
  const s = JSON.parse(await readFile(path.join(dataDir, SHARDS_FILE), 'utf8')) as ShardList;
  const abs = (p: string) => path.join(dataDir, p);
  return {
    train: s.train.map(abs),
    validation: Object.fromEntries(Object.entries(s.validation).map(([l, p]) => [l, abs(p)])),
    eval: Object.fromEntries(
      Object.entries(s.eval).map(([l, sets]) => [
        l,
        Object.fromEntries(Object.entries(sets).map(([n, p]) => [n, abs(p)])),
      ]),
    ),
  };
}

/**
 * Completes a prepareData output folder `out` as a data artifact: `shards.json` (paths relative
 * to `out`) and `tokenizer/` (the files of `tokenizer`, a tokenizer.json or its folder).
 */
export async function writeDataArtifactFiles(
  out: string,
  shards: ShardList,
  tokenizer: string,
): Promise<void> {
  const rel = (p: string) => path.relative(out, path.resolve(out, p));
  const relative: ShardList = {
    train: shards.train.map(rel),
    validation: Object.fromEntries(Object.entries(shards.validation).map(([l, p]) => [l, rel(p)])),
    eval: Object.fromEntries(
      Object.entries(shards.eval).map(([l, sets]) => [
        l,
        Object.fromEntries(Object.entries(sets).map(([n, p]) => [n, rel(p)])),
      ]),
    ),
  };
  await writeFile(path.join(out, SHARDS_FILE), JSON.stringify(relative, null, 2));
  await mkdir(path.join(out, TOKENIZER_DIR));
  const tokDir = tokenizer.endsWith('.json') ? path.dirname(tokenizer) : tokenizer;
  for (const file of TOKENIZER_SIDE_FILES) {
    await copyFile(path.join(tokDir, file), path.join(out, TOKENIZER_DIR, file)).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      },
    );
  }
}

/** The data artifact's manifest meta: what the train and evaluate stages read from the ref. */
export function dataArtifactMeta(stats: PrepareDataResult['stats']): Record<string, unknown> {
  return { languages: Object.keys(stats.languages), eosTokenId: stats.eosTokenId };
}
