// Params for the corpora shipped in data/corpora, built from its stats.json: every language
// listed there with its scripts, its `train` file as training source and each `eval-<name>`
// file as eval set `<name>`. The demo and tests use this; nothing here names a language.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LanguageParams, PrepareDataParams } from './params.js';

interface CorporaStats {
  languages: { code: string; scripts: string[] }[];
  files: { lang: string; split: string; file: string }[];
}

export interface ShippedCorporaOptions {
  /** Folder holding the corpora and the tokenizer (the repo's `data/`). */
  dataDir: string;
  target: string;
  seqLen: number;
  tokenBudget?: number;
  mix?: Record<string, number>;
  seed?: number;
  validationFraction?: number;
}

export async function shippedCorporaParams(o: ShippedCorporaOptions): Promise<PrepareDataParams> {
  const corpora = path.join(o.dataDir, 'corpora');
  const stats = JSON.parse(
    await fs.readFile(path.join(corpora, 'stats.json'), 'utf8'),
  ) as CorporaStats;
  const languages: Record<string, LanguageParams> = {};
  for (const l of stats.languages) {
    const files = stats.files.filter((f) => f.lang === l.code);
    if (files.length === 0) continue;
    const src = (f: { file: string }) => [
      { path: path.join(corpora, f.file), format: 'jsonl' as const, textField: 'text' },
    ];
    languages[l.code] = {
      scripts: l.scripts,
      minScriptShare: 0.5,
      train: files.filter((f) => f.split === 'train').flatMap(src),
      eval: Object.fromEntries(
        files
          .filter((f) => f.split.startsWith('eval-'))
          .map((f) => [f.split.slice('eval-'.length), src(f)]),
      ),
    };
  }
  return {
    languages,
    target: o.target,
    ...(o.mix ? { mix: o.mix } : {}),
    tokenizer: path.join(o.dataDir, 'tokenizer'),
    seqLen: o.seqLen,
    ...(o.tokenBudget !== undefined ? { tokenBudget: o.tokenBudget } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.validationFraction !== undefined ? { validationFraction: o.validationFraction } : {}),
  };
}
