// Parameters of the `prepare-data` stage. Validation errors name the field path
// (`languages.ko.train.0.path: ...`), so a bad run config is fixed at the right line.
import { z } from 'zod';
import { DataPrepError } from './errors.js';
import { scriptMatcher } from './scripts.js';

const langCode = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/, { error: 'expected a language code like "ko" or "en"' });

export const sourceSchema = z.object({
  /** Local file path, or `s3://bucket/key` (read with the store's S3 settings). */
  path: z.string().min(1),
  /** `jsonl`: one document per line; `text`: documents separated by blank lines. */
  format: z.enum(['text', 'jsonl']).optional(),
  /** JSONL only: the field holding the document text. */
  textField: z.string().min(1).default('text'),
});
export type SourceParams = z.infer<typeof sourceSchema>;

export const languageSchema = z.object({
  /** Unicode Script property names the language is written in (`["Hangul"]`, `["Latin"]`). */
  scripts: z.array(z.string().min(1)).min(1),
  /** A document is kept when at least this share of its letters is in `scripts`. */
  minScriptShare: z.number().min(0).max(1).default(0.5),
  /** Training sources; split into train and validation by document hash. */
  train: z.array(sourceSchema).default([]),
  /** Held-out evaluation sets by name (other domains), packed whole. */
  eval: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), z.array(sourceSchema).min(1))
    .default({}),
});
export type LanguageParams = z.infer<typeof languageSchema>;

export const prepareDataParamsSchema = z
  .object({
    languages: z.record(langCode, languageSchema),
    /** The language being improved; with no `mix`, it gets 9 parts and the others 1 in all. */
    target: langCode.optional(),
    /** Token shares of the training mix by language (normalized to sum 1). */
    mix: z.record(langCode, z.number().positive()).optional(),
    /** tokenizer.json (or its folder), local. */
    tokenizer: z.string().min(1),
    /** Document separator appended after every document; default: tokenizer_config's eos_token. */
    eosToken: z.string().min(1).optional(),
    seqLen: z.number().int().positive(),
    validationFraction: z.number().min(0).max(0.5).default(0.05),
    seed: z.number().int().nonnegative().default(0),
    /** Training tokens in all; default: as many as the scarcest language allows at this mix. */
    tokenBudget: z.number().int().positive().optional(),
    /** Documents shorter than this (characters, after normalization) are dropped. */
    minChars: z.number().int().nonnegative().default(100),
    /** Tokens per training shard at most (shards break between documents). */
    shardTokens: z
      .number()
      .int()
      .positive()
      .default(1 << 24),
  })
  .superRefine((p, ctx) => {
    for (const [code, lang] of Object.entries(p.languages)) {
      try {
        scriptMatcher(lang.scripts, `languages.${code}.scripts`);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['languages', code, 'scripts'],
          message: (err as DataPrepError).message.replace(/^[^:]*: /, ''),
        });
      }
    }
    const trainLangs = Object.keys(p.languages).filter((c) => p.languages[c]!.train.length > 0);
    if (trainLangs.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['languages'],
        message: 'no language has train sources',
      });
    }
    if (p.target !== undefined && !p.languages[p.target]?.train.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: `"${p.target}" has no train sources in languages`,
      });
    }
    if (p.mix) {
      for (const code of Object.keys(p.mix)) {
        if (!p.languages[code]?.train.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['mix', code],
            message: `"${code}" has no train sources in languages`,
          });
        }
      }
    } else if (p.target === undefined && trainLangs.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['mix'],
        message: 'set mix (token shares per language) or target (9:1 for the target)',
      });
    }
  });
export type PrepareDataParams = z.input<typeof prepareDataParamsSchema>;
export type ResolvedPrepareDataParams = z.output<typeof prepareDataParamsSchema>;

/** Validates and fills defaults; throws DataPrepError naming the first bad field. */
export function parsePrepareDataParams(input: unknown): ResolvedPrepareDataParams {
  const r = prepareDataParamsSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new DataPrepError(i.message, i.path.join('.') || '(params)');
  }
  return r.data;
}

/**
 * Token shares per training language, summing to 1. Default (no `mix`): the ELO paper's
 * other:target = 1:9, the 1 part shared equally by the other training languages.
 */
export function resolveMix(p: ResolvedPrepareDataParams): Record<string, number> {
  const trainLangs = Object.keys(p.languages)
    .filter((c) => p.languages[c]!.train.length > 0)
    .sort();
  let raw: Record<string, number>;
  if (p.mix) raw = p.mix;
  else if (trainLangs.length === 1) raw = { [trainLangs[0]!]: 1 };
  else {
    const others = trainLangs.filter((c) => c !== p.target);
    raw = Object.fromEntries([
      [p.target!, 9],
      ...others.map((c) => [c, 1 / others.length] as const),
    ]);
  }
  const total = Object.values(raw).reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    Object.keys(raw)
      .sort()
      .map((c) => [c, raw[c]! / total]),
  );
}
