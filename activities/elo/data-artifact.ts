// The layout of a `prepare-data` artifact, shared by the stages that read it: dataprep's output
// folder plus `shards.json` (which shard files hold what) and `tokenizer/` (the tokenizer the
// shards were made with, so a from-scratch model gets the same one).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrepareDataResult } from '../../dataprep/index.js';

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
