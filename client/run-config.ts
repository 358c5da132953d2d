// The run config users write (YAML or JSON): what to train, on what, how long. Validated with zod;
// every error names its path (`elo.layers[1]: …`). `loadRunConfig` also resolves what needs the
// file system — paths relative to the config file, the shipped corpora as default sources — so
// the DAG builders (elo-dag.ts) stay pure functions of the resolved config.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { shippedCorporaParams } from '../dataprep/shipped-corpora.js';
import { projectRoot } from '../infra/project-paths.js';
import { evaluateStage, modelInitSchema, trainParamsSchema } from '../pipeline/stages/elo.js';

const langCode = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/, 'expected a language code');

/**
 * Training knobs a config may set per stage (the mode and data come from the DAG). No defaults
 * here: a setting left out is left out of the node's params, so it falls back to what the
 * stage (or, for the baselines, ELO's settings) say.
 */
const trainSettings = z
  .object(
    Object.fromEntries(
      Object.entries(trainParamsSchema.omit({ mode: true, layers: true, init: true }).shape).map(
        ([k, v]) => [k, (v instanceof z.ZodDefault ? v.unwrap() : v).optional()],
      ),
    ) as unknown as {
      [K in keyof TrainShape]: z.ZodOptional<z.ZodType<z.output<TrainShape[K]>>>;
    },
  )
  .strict();
type TrainShape = ReturnType<
  typeof trainParamsSchema.omit<{ mode: true; layers: true; init: true }>
>['shape'];
export type TrainSettings = z.infer<typeof trainSettings>;

const dataSettings = z
  .object({
    /** Per-language sources (dataprep's `languages`); default: the shipped corpora. */
    languages: z.record(langCode, z.unknown()).optional(),
    /** Token shares per language; default other:target = 1:9. */
    mix: z.record(langCode, z.number().positive()).optional(),
    seqLen: z.number().int().min(2).default(128),
    validationFraction: z.number().min(0).max(0.5).optional(),
    seed: z.number().int().nonnegative().default(0),
    tokenBudget: z.number().int().positive().optional(),
    minChars: z.number().int().nonnegative().optional(),
  })
  .strict();

const evalSettings = evaluateStage.params.omit({ label: true }).partial().strict();

export const BASELINES = ['full-cp', 'freeze-tune'] as const;

const common = {
  /** Run name: the workflow id, and where outputs go (`runs/<name>/`). */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ., - and _ only'),
  /** Store URI or path (default: $ELO_STORE or ./runs). */
  store: z.string().min(1).optional(),
  /** tokenizer.json or its folder; default: the base model folder's (base-pretrain: required). */
  tokenizer: z.string().min(1).optional(),
  target: langCode,
  data: dataSettings.prefault({}),
  eval: evalSettings.prefault({}),
  maxParallel: z.number().int().min(1).default(4),
};

export const eloRunConfigSchema = z
  .object({
    pipeline: z.literal('elo').default('elo'),
    ...common,
    /** An HF Llama-family folder: local path or s3://bucket/prefix/artifact. */
    baseModel: z.string().min(1),
    elo: z
      .object({
        /** λ: the layers to detach and train (negative from the end). */
        layers: z.array(z.number().int()).min(1).default([0, -1]),
        train: trainSettings.extend({ steps: z.number().int().min(1).default(100) }).prefault({}),
      })
      .strict()
      .prefault({}),
    /** The brief full fine-tune of the merged model; `steps: 0` leaves it out. */
    align: trainSettings
      .extend({
        steps: z.number().int().min(0).default(20),
        /**
         * What alignment trains. full: the whole merged model. Where that cannot fit (a full
         * fine-tune holds fp32 weights + AdamW of every parameter): neighbours = the layers next
         * to λ plus every norm; frozen-embeddings = every decoder layer, embeddings, final norm
         * and head frozen.
         */
        variant: z.enum(['full', 'neighbours', 'frozen-embeddings']).default('full'),
        /** Its small mixed set, drawn from the same train split as ELO's data. */
        data: z
          .object({
            /** Token shares; default: equal for every language with train sources. */
            mix: z.record(langCode, z.number().positive()).optional(),
            /** Default: what `steps` consume (steps x batch x accumulation x seqLen). */
            tokenBudget: z.number().int().positive().optional(),
          })
          .strict()
          .prefault({}),
      })
      .prefault({}),
    /** Comparison branches: same data; full-cp the same token budget as ELO. */
    baselines: z.array(z.enum(BASELINES)).default([]),
    /** Overrides for the baselines' training (default: ELO's settings). */
    fullCp: trainSettings.prefault({}),
    freezeTune: trainSettings.prefault({}),
  })
  .strict();

export const basePretrainConfigSchema = z
  .object({
    pipeline: z.literal('base-pretrain'),
    ...common,
    tokenizer: z.string().min(1),
    /** The model's shape; the vocabulary is the tokenizer's. */
    model: modelInitSchema,
    train: trainSettings.extend({ steps: z.number().int().min(1).default(1000) }).prefault({}),
  })
  .strict();

export const runConfigSchema = z.discriminatedUnion('pipeline', [
  eloRunConfigSchema,
  basePretrainConfigSchema,
]);

export type EloRunConfig = z.output<typeof eloRunConfigSchema>;
export type BasePretrainConfig = z.output<typeof basePretrainConfigSchema>;
export type RunConfig = z.output<typeof runConfigSchema>;

/** A config after loading: paths absolute, data sources filled in (`data.params`: dataprep's). */
export type ResolvedRunConfig = RunConfig & {
  /** prepare-data params, complete except the tokenizer when it comes from the model. */
  dataParams: Record<string, unknown>;
  /** Where the config came from (for messages). */
  source: string;
};

export class RunConfigError extends Error {
  override readonly name = 'RunConfigError';
}

/** `elo.layers[1]`: dotted names, bracketed indices. */
export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : `${out ? '.' : ''}${String(k)}`;
  return out || '(config)';
}

/** Validates a parsed config; throws RunConfigError listing every problem with its path. */
export function parseRunConfig(value: unknown, source = 'config'): RunConfig {
  const withDefault =
    value && typeof value === 'object' && !('pipeline' in value)
      ? { pipeline: 'elo', ...value }
      : value;
  const r = runConfigSchema.safeParse(withDefault);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw new RunConfigError(`${source}: ${problems.join('; ')}`);
}

const isUri = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/** Reads, validates and resolves a YAML or JSON run config. */
export async function loadRunConfig(file: string): Promise<ResolvedRunConfig> {
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new RunConfigError(`cannot read ${file}: ${err.message}`);
  });
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new RunConfigError(`${file} does not parse: ${(err as Error).message.split('\n')[0]}`);
  }
  return resolveRunConfig(parseRunConfig(raw, file), path.dirname(path.resolve(file)), file);
}

/** Paths relative to `baseDir`; the shipped corpora when no languages are given. */
export async function resolveRunConfig(
  config: RunConfig,
  baseDir: string,
  source = 'config',
): Promise<ResolvedRunConfig> {
  const abs = (p: string) => (isUri(p) ? p : path.resolve(baseDir, p));
  const c = structuredClone(config);
  if (c.tokenizer) c.tokenizer = abs(c.tokenizer);
  if (c.pipeline === 'elo') c.baseModel = abs(c.baseModel);
  const d = c.data;
  let dataParams: Record<string, unknown>;
  if (d.languages) {
    const languages = structuredClone(d.languages) as Record<
      string,
      { train?: { path: string }[]; eval?: Record<string, { path: string }[]> }
    >;
    for (const lang of Object.values(languages)) {
      for (const s of lang.train ?? []) s.path = abs(s.path);
      for (const set of Object.values(lang.eval ?? {})) for (const s of set) s.path = abs(s.path);
    }
    dataParams = { languages, target: c.target };
  } else {
    const shipped = await shippedCorporaParams({
      dataDir: path.join(projectRoot, 'data'),
      target: c.target,
      seqLen: d.seqLen,
    });
    dataParams = { languages: shipped.languages, target: c.target };
  }
  Object.assign(dataParams, {
    seqLen: d.seqLen,
    seed: d.seed,
    ...(d.mix ? { mix: d.mix } : {}),
    ...(d.validationFraction !== undefined ? { validationFraction: d.validationFraction } : {}),
    ...(d.tokenBudget !== undefined ? { tokenBudget: d.tokenBudget } : {}),
    ...(d.minChars !== undefined ? { minChars: d.minChars } : {}),
    ...(c.tokenizer ? { tokenizer: c.tokenizer } : {}),
  });
  return { ...c, dataParams, source };
}
