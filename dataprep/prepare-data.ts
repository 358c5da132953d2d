// The prepare-data stage's work, as a library: sources per language → normalized, filtered,
// de-duplicated documents → train/validation split by hash → tokens → a token-level mix packed
// into shards, plus per-language validation and held-out eval shards and their statistics.
//
// Two passes keep memory to per-document metadata: pass 1 tokenizes every training document
// once into a per-language spill shard (counting what is available); the mix is planned from
// those counts — failing here, before training, if data is short — and pass 2 copies the chosen
// documents from the spill shards into the final shards in a seeded interleaved order.
import fs from 'node:fs/promises';
import path from 'node:path';
import { HfTokenizer, TokenShard, type TokenShardWriterOptions } from '../formats/index.js';
import { documentHash, hashUniform, isValidation } from './doc-hash.js';
import { dropReason, type DocumentFilter } from './document-filter.js';
import { DataPrepError, NotEnoughDataError } from './errors.js';
import { planMix } from './mix-plan.js';
import { normalizeText, utf8Bytes } from './normalize.js';
import {
  parsePrepareDataParams,
  resolveMix,
  type PrepareDataParams,
  type ResolvedPrepareDataParams,
  type SourceParams,
} from './params.js';
import { readSource, type ReadSourceOptions } from './read-source.js';
import { scriptMatcher } from './scripts.js';
import { ShardSetWriter } from './shard-set-writer.js';
import type { DropCounts, EvalSetStats, LanguageStats, PrepareDataStats } from './stats.js';

export interface PrepareDataProgress {
  phase: 'scan' | 'eval' | 'pack';
  lang?: string;
  documents: number;
  tokens: number;
}

export interface PrepareDataOptions extends ReadSourceOptions {
  /** Called every few hundred documents (activities heartbeat from here). */
  onProgress?: (p: PrepareDataProgress) => void;
}

export interface PrepareDataResult {
  /** Paths relative to the output folder (shard index files, `.json`). */
  shards: {
    train: string[];
    validation: Record<string, string>;
    eval: Record<string, Record<string, string>>;
  };
  stats: PrepareDataStats;
}

interface SpilledDoc {
  lang: string;
  hash: string;
  /** Document number in the language's spill shard. */
  index: number;
  tokens: number;
}

const PROGRESS_EVERY = 500;

/**
 * Writes into `outDir` (created; must not exist or be empty): `train/shard-NNNN.{bin,json}`,
 * `validation/<lang>.{bin,json}`, `eval/<lang>/<name>.{bin,json}`, `stats.json`.
 * On any error the folder is removed again.
 */
export async function prepareData(
  input: PrepareDataParams,
  outDir: string,
  opts: PrepareDataOptions = {},
): Promise<PrepareDataResult> {
  const params = parsePrepareDataParams(input);
  const shares = resolveMix(params);
  const tokenizer = await HfTokenizer.load(params.tokenizer).catch((err: Error) => {
    throw new DataPrepError(err.message, 'tokenizer');
  });
  const eosTokenId = await resolveEos(params, tokenizer);
  await fs.mkdir(outDir, { recursive: true });
  if ((await fs.readdir(outDir)).length > 0) {
    throw new DataPrepError(`output folder ${outDir} is not empty`);
  }
  try {
    return await run(params, shares, tokenizer, eosTokenId, outDir, opts);
  } catch (err) {
    await fs.rm(outDir, { recursive: true, force: true });
    throw err;
  }
}

/** What every phase of one preparation reads: the settings, the tokenizer, the output folder. */
interface Prep {
  params: ResolvedPrepareDataParams;
  shares: Record<string, number>;
  tokenizer: HfTokenizer;
  eosTokenId: number;
  shardOpts: TokenShardWriterOptions;
  outDir: string;
  spillDir: string;
  opts: PrepareDataOptions;
  /** A document's token ids, ending in the separator. */
  encode(text: string): number[];
}

/** Pass 1's result for one language: its statistics so far and its spilled training documents. */
interface LanguageScan {
  stats: LanguageStats;
  spilled: SpilledDoc[];
  /** Hashes of every kept training document (eval sets drop these). */
  seen: Set<string>;
  validationShard?: string;
}

async function run(
  params: ResolvedPrepareDataParams,
  shares: Record<string, number>,
  tokenizer: HfTokenizer,
  eosTokenId: number,
  outDir: string,
  opts: PrepareDataOptions,
): Promise<PrepareDataResult> {
  const prep: Prep = {
    params,
    shares,
    tokenizer,
    eosTokenId,
    shardOpts: { vocabSize: tokenizer.vocabSize, tokenizerHash: tokenizer.hash },
    outDir,
    spillDir: path.join(outDir, '.spill'),
    opts,
    encode: (text) => {
      const ids = tokenizer.encode(text);
      ids.push(eosTokenId);
      return ids;
    },
  };
  await fs.mkdir(prep.spillDir);
  await fs.mkdir(path.join(outDir, 'validation'));
  const langs = Object.keys(params.languages).sort();

  // Pass 1: training sources → spill shard (train side) and validation shard.
  const scans: Record<string, LanguageScan> = {};
  for (const lang of langs) scans[lang] = await scanLanguage(prep, lang);
  const stats = Object.fromEntries(langs.map((l) => [l, scans[l]!.stats]));

  // The mix, decided before anything large is written.
  const available = Object.fromEntries(langs.map((l) => [l, stats[l]!.available.tokens]));
  const plan = planMix(shares, available, params.tokenBudget, params.seqLen);

  // Held-out eval sets: same cleaning, minus anything also in the training data.
  const evalShards: Record<string, Record<string, string>> = {};
  for (const lang of langs) {
    for (const name of Object.keys(params.languages[lang]!.eval).sort()) {
      const set = await packEvalSet(prep, lang, name, scans[lang]!.seen);
      stats[lang]!.eval[name] = set;
      (evalShards[lang] ??= {})[name] = set.shard;
    }
  }

  // Pass 2: the chosen documents from the spill shards into the final shards.
  const chosen = chooseDocuments(prep, plan.tokens, scans);
  const train = await packTrainShards(prep, Object.keys(plan.tokens), chosen);
  await fs.rm(prep.spillDir, { recursive: true, force: true });

  const validation: Record<string, string> = {};
  for (const lang of langs) {
    const shard = scans[lang]!.validationShard;
    if (shard) validation[lang] = shard;
  }
  const result: PrepareDataResult = {
    shards: { train: train.shards, validation, eval: evalShards },
    stats: {
      format: 'elo-prepare-data-stats',
      version: 1,
      tokenizerHash: tokenizer.hash,
      vocabSize: tokenizer.vocabSize,
      eosTokenId,
      seqLen: params.seqLen,
      seed: params.seed,
      validationFraction: params.validationFraction,
      mix: shares,
      trainTokens: train.tokens,
      trainShards: train.shards,
      languages: stats,
    },
  };
  await fs.writeFile(path.join(outDir, 'stats.json'), JSON.stringify(result.stats, null, 2) + '\n');
  return result;
}

/**
 * Pass 1 for one language: every kept training document is tokenized once, into the validation
 * shard (by hash) or the spill shard, with what was read, dropped and is available counted.
 */
async function scanLanguage(prep: Prep, lang: string): Promise<LanguageScan> {
  const { params, outDir, opts } = prep;
  const lp = params.languages[lang]!;
  const scan: LanguageScan = {
    stats: {
      scripts: [...lp.scripts],
      read: { documents: 0, bytes: 0 },
      dropped: { tooShort: 0, script: 0, duplicate: 0 },
      available: { documents: 0, bytes: 0, tokens: 0 },
      validation: { documents: 0, bytes: 0, tokens: 0 },
      eval: {},
    },
    spilled: [],
    seen: new Set(),
  };
  if (lp.train.length === 0) return scan;
  const st = scan.stats;
  const spill = new ShardSetWriter(prep.spillDir, lang, prep.shardOpts);
  // Named by language alone: one validation shard per language, for per-language loss.
  const valid = new ShardSetWriter(path.join(outDir, 'validation'), lang, prep.shardOpts);
  try {
    let n = 0;
    for await (const text of keptDocuments(
      lp.train,
      `languages.${lang}.train`,
      languageFilter(params, lang),
      scan.seen,
      st.read,
      st.dropped,
      opts,
    )) {
      const hash = documentHash(text);
      const ids = prep.encode(text);
      const bytes = utf8Bytes(text);
      if (isValidation(hash, params.seed, params.validationFraction)) {
        await valid.append(ids, lang);
        add(st.validation, bytes, ids.length);
      } else {
        scan.spilled.push({ lang, hash, index: st.available.documents, tokens: ids.length });
        await spill.append(ids, lang);
        add(st.available, bytes, ids.length);
      }
      if (++n % PROGRESS_EVERY === 0) {
        opts.onProgress?.({ phase: 'scan', lang, documents: n, tokens: spill.tokens });
      }
    }
  } catch (err) {
    // Close the files before the caller removes the folder.
    await Promise.all([spill.abort(), valid.abort()]);
    throw err;
  }
  await spill.close();
  const [validFile] = await valid.close();
  if (params.validationFraction > 0) {
    if (st.validation.tokens < params.seqLen + 1) {
      throw new NotEnoughDataError(
        lang,
        'validation',
        st.validation.tokens,
        params.seqLen + 1,
        `validationFraction ${params.validationFraction} leaves less than one sequence`,
      );
    }
    scan.validationShard = path.posix.join('validation', validFile!);
    st.validation.shard = scan.validationShard;
  }
  return scan;
}

/**
 * Pass 2a: per language, documents in seeded order up to the plan's tokens (the last one cut to
 * fit), recorded in its stats; then all chosen documents interleaved in a seeded order.
 */
function chooseDocuments(
  prep: Prep,
  planned: Record<string, number>,
  scans: Record<string, LanguageScan>,
): { doc: SpilledDoc; take: number }[] {
  const { seed } = prep.params;
  const chosen: { doc: SpilledDoc; take: number }[] = [];
  for (const lang of Object.keys(planned)) {
    const need = planned[lang]!;
    const order = [...scans[lang]!.spilled].sort(
      (a, b) => hashUniform('order', seed, a.hash) - hashUniform('order', seed, b.hash),
    );
    let got = 0;
    let truncated = 0;
    let documents = 0;
    for (const doc of order) {
      if (got >= need) break;
      const take = Math.min(doc.tokens, need - got);
      if (take < doc.tokens) truncated++;
      chosen.push({ doc, take });
      got += take;
      documents++;
    }
    scans[lang]!.stats.mixed = {
      documents,
      tokens: got,
      share: prep.shares[lang]!,
      truncatedDocuments: truncated,
    };
  }
  return chosen.sort(
    (a, b) =>
      hashUniform('mix', seed, `${a.doc.lang}:${a.doc.hash}`) -
      hashUniform('mix', seed, `${b.doc.lang}:${b.doc.hash}`),
  );
}

/** Pass 2b: the chosen documents copied from the spill shards into `train/` (a cut one ends in EOS). */
async function packTrainShards(
  prep: Prep,
  langs: string[],
  chosen: { doc: SpilledDoc; take: number }[],
): Promise<{ shards: string[]; tokens: number }> {
  const trainDir = path.join(prep.outDir, 'train');
  await fs.mkdir(trainDir);
  const train = new ShardSetWriter(trainDir, 'shard', prep.shardOpts, prep.params.shardTokens);
  const spills: Record<string, TokenShard> = {};
  try {
    for (const lang of langs) {
      spills[lang] = await TokenShard.open(path.join(prep.spillDir, `${lang}.json`));
    }
    for (const [i, { doc, take }] of chosen.entries()) {
      const ids = await spills[doc.lang]!.readDocument(doc.index);
      const part = take < ids.length ? ids.subarray(0, take) : ids;
      if (take < ids.length) part[take - 1] = prep.eosTokenId;
      await train.append(part, doc.lang);
      if ((i + 1) % PROGRESS_EVERY === 0) {
        prep.opts.onProgress?.({ phase: 'pack', documents: i + 1, tokens: train.tokens });
      }
    }
  } catch (err) {
    await train.abort();
    throw err;
  } finally {
    for (const s of Object.values(spills)) await s.close();
  }
  const shards = (await train.close()).map((f) => path.posix.join('train', f));
  return { shards, tokens: train.tokens };
}

/** A language's cleaning rules: minimum length and share of its scripts. */
function languageFilter(params: ResolvedPrepareDataParams, lang: string): DocumentFilter {
  const lp = params.languages[lang]!;
  return {
    minChars: params.minChars,
    minScriptShare: lp.minScriptShare,
    matcher: scriptMatcher(lp.scripts, `languages.${lang}.scripts`),
  };
}

/** Normalized documents that pass the filters and are not duplicates (counted into the stats). */
async function* keptDocuments(
  sources: SourceParams[],
  field: string,
  filter: DocumentFilter,
  seen: Set<string>,
  read: { documents: number; bytes: number },
  dropped: DropCounts,
  opts: ReadSourceOptions,
): AsyncGenerator<string> {
  for (const [i, src] of sources.entries()) {
    let fromThis = 0;
    for await (const doc of readSource(src, `${field}.${i}.path`, opts)) {
      fromThis++;
      const text = normalizeText(doc.text);
      read.documents++;
      read.bytes += utf8Bytes(text);
      const reason = dropReason(text, filter);
      if (reason) {
        dropped[reason]++;
        continue;
      }
      const hash = documentHash(text);
      if (seen.has(hash)) {
        dropped.duplicate++;
        continue;
      }
      seen.add(hash);
      yield text;
    }
    // Named here: further on it would only show as "not enough validation data … 0 tokens".
    if (fromThis === 0)
      throw new DataPrepError(
        `${src.path} holds no documents (the file is empty)`,
        `${field}.${i}.path`,
      );
  }
}

async function packEvalSet(
  prep: Prep,
  lang: string,
  name: string,
  trainHashes: Set<string>,
): Promise<EvalSetStats> {
  const { params, outDir, opts } = prep;
  const sources = params.languages[lang]!.eval[name]!;
  const dir = path.join(outDir, 'eval', lang);
  await fs.mkdir(dir, { recursive: true });
  const writer = new ShardSetWriter(dir, name, prep.shardOpts);
  const read = { documents: 0, bytes: 0 };
  const dropped = { tooShort: 0, script: 0, duplicate: 0, inTrain: 0 };
  const counts = { documents: 0, bytes: 0, tokens: 0 };
  const seen = new Set<string>();
  try {
    for await (const text of keptDocuments(
      sources,
      `languages.${lang}.eval.${name}`,
      languageFilter(params, lang),
      seen,
      read,
      dropped,
      opts,
    )) {
      if (trainHashes.has(documentHash(text))) {
        dropped.inTrain++;
        continue;
      }
      const ids = prep.encode(text);
      await writer.append(ids, lang);
      add(counts, utf8Bytes(text), ids.length);
      if (counts.documents % PROGRESS_EVERY === 0) {
        opts.onProgress?.({
          phase: 'eval',
          lang,
          documents: counts.documents,
          tokens: counts.tokens,
        });
      }
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const [file] = await writer.close();
  if (!file || counts.tokens < params.seqLen + 1) {
    throw new NotEnoughDataError(
      lang,
      `eval "${name}"`,
      counts.tokens,
      params.seqLen + 1,
      'an eval set needs at least one full sequence after cleaning',
    );
  }
  const shard = path.posix.join('eval', lang, file);
  return { shard, read: read.documents, dropped, ...counts };
}

function add(
  c: { documents: number; bytes: number; tokens: number },
  bytes: number,
  tokens: number,
) {
  c.documents++;
  c.bytes += bytes;
  c.tokens += tokens;
}

/** The separator id: `eosToken`, else tokenizer_config.json's eos_token. */
async function resolveEos(p: ResolvedPrepareDataParams, tok: HfTokenizer): Promise<number> {
  let token = p.eosToken;
  let field = 'eosToken';
  if (token === undefined) {
    const dir = (await fs.stat(p.tokenizer)).isDirectory()
      ? p.tokenizer
      : path.dirname(p.tokenizer);
    const config = await fs
      .readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')
      .then((t) => JSON.parse(t) as { eos_token?: string | { content?: string } })
      .catch(() => undefined);
    const eos = config?.eos_token;
    token = typeof eos === 'string' ? eos : eos?.content;
    field = 'tokenizer';
    if (token === undefined) {
      throw new DataPrepError('no eos_token in tokenizer_config.json: set eosToken', field);
    }
  }
  const id = tok.tokenToId(token);
  if (id === undefined)
    throw new DataPrepError(`"${token}" is not in the tokenizer's vocabulary`, field);
  return id;
}
