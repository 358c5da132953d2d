// The bench's token data, made by dataprep from the shipped corpora: the continual-pretraining
// mix (target ko, the paper's en:ko = 1:9), an English-heavy mix for pretraining the base model,
// and held-out evaluation sets cut to a token budget with their exact UTF-8 byte counts.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareData, type PrepareDataResult, shippedCorporaParams } from '../dataprep/index.js';
import { loadPackedTokens, shardDocuments } from '../engine/io/token-shards.js';
import { HfTokenizer } from '../formats/index.js';
import { projectRoot } from '../infra/project-paths.js';
import { cachedFolder } from './bench-cache.js';

export const DATA_DIR = path.join(projectRoot, 'data');
export const TOKENIZER_DIR = path.join(DATA_DIR, 'tokenizer');

export interface BenchData {
  dir: string;
  result: PrepareDataResult;
  cached: boolean;
}

export interface DataRecipe {
  target: string;
  seqLen: number;
  mix?: Record<string, number>;
  tokenBudget?: number;
}

/** prepareData over the shipped corpora, cached by recipe. */
export async function benchData(name: string, recipe: DataRecipe): Promise<BenchData> {
  const params = await shippedCorporaParams({ dataDir: DATA_DIR, seed: 0, ...recipe });
  const { dir, cached } = await cachedFolder(name, params, async (tmp) => {
    const result = await prepareData(params, tmp);
    await writeFile(path.join(tmp, 'result.json'), JSON.stringify(result));
  });
  const result = JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8'));
  return { dir, result: result as PrepareDataResult, cached };
}

/** The EOS-packed training stream of a prepared mix. */
export function trainTokens(data: BenchData): Promise<Uint32Array> {
  const shards = data.result.shards.train.map((s) => path.join(data.dir, s));
  return loadPackedTokens(shards, data.result.stats.eosTokenId);
}

export interface EvalSubset {
  lang: string;
  set: string;
  documents: Uint32Array[];
  tokens: number;
  /** UTF-8 bytes of exactly these documents' text (bits per byte's divisor). */
  bytes: number;
}

/**
 * The first whole documents of an eval set up to `maxTokens` (never cut inside a document, so
 * the bytes are exact): the full sets take minutes per model on this machine.
 */
export async function evalSubset(
  data: BenchData,
  lang: string,
  set: string,
  maxTokens: number,
): Promise<EvalSubset> {
  const shard = data.result.shards.eval[lang]?.[set];
  if (!shard) throw new Error(`prepared data has no eval set ${lang}/${set}`);
  const tokenizer = await HfTokenizer.load(TOKENIZER_DIR);
  const documents: Uint32Array[] = [];
  let tokens = 0;
  let bytes = 0;
  for await (const doc of shardDocuments([path.join(data.dir, shard)])) {
    if (tokens >= maxTokens) break;
    documents.push(doc);
    tokens += doc.length;
    // Byte-level BPE decodes whole documents to exactly their text; the separator is skipped.
    bytes += Buffer.byteLength(tokenizer.decode(doc, { skipSpecialTokens: true }), 'utf8');
  }
  return { lang, set, documents, tokens, bytes };
}
