// The coverage preflight of `elo validate` and `elo run` (dataprep/coverage.ts): before anything
// trains, a sample of every language's training text goes through the base model's tokenizer
// and, where the model is small enough to run here, the base model itself. Where the target is
// essentially unseen it warns, with what training the embeddings would cost.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  assessCoverage,
  coverageFigures,
  type CoverageAssessment,
  type LanguageCoverage,
  unseenTargetWarning,
} from '../dataprep/coverage.js';
import { normalizeText, readSource, utf8Bytes } from '../dataprep/index.js';
import { languageSchema } from '../dataprep/params.js';
import { paramCounts } from '../engine/memory-model.js';
import { describeEmbeddingCost, eloEmbeddingCost } from '../engine/train/embedding-cost.js';
import { HfTokenizer, parseHfConfig } from '../formats/index.js';
import { decodeWholeUtf8 } from '../formats/utf8-whole.js';
import type { ResolvedRunConfig } from '../client/run-config.js';

/** Bytes of each language's training text sampled (whole documents, from the start). */
export const SAMPLE_BYTES = 32_000;
/** The base's bits per byte are measured here only for models up to this many parameters. */
export const PREFLIGHT_EVAL_MAX_PARAMS = 50e6;
/** Bytes of each sample the base model is run on. */
const EVAL_BYTES = 6_000;

export interface Preflight {
  /** Undefined where it could not run (remote base model, no source language). */
  assessment?: CoverageAssessment;
  /** What to print: the figures, a warning where the target is unseen, or why it was skipped. */
  lines: string[];
  warning?: string;
}

const isUri = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

async function sampleText(lang: unknown): Promise<string> {
  const parsed = languageSchema.parse(lang);
  const docs: string[] = [];
  let bytes = 0;
  for (const src of parsed.train) {
    for await (const doc of readSource(src, src.textField)) {
      const text = normalizeText(doc.text);
      docs.push(text);
      bytes += utf8Bytes(text);
      if (bytes >= SAMPLE_BYTES) return docs.join('\n');
    }
  }
  return docs.join('\n');
}

export async function coveragePreflight(
  config: ResolvedRunConfig,
  opts: { evaluate?: boolean } = {},
): Promise<Preflight> {
  if (config.pipeline !== 'elo') return { lines: [] };
  if (isUri(config.baseModel) || (config.tokenizer && isUri(config.tokenizer)))
    return { lines: ['coverage preflight: skipped (the base model is not a local folder)'] };
  const tokenizer = await HfTokenizer.load(config.tokenizer ?? config.baseModel);
  const modelConfig = parseHfConfig(
    JSON.parse(await readFile(path.join(config.baseModel, 'config.json'), 'utf8')),
  );
  const counts = paramCounts(modelConfig);
  const params = counts.embedding + modelConfig.numHiddenLayers * counts.layer + counts.head;
  const runModel = (opts.evaluate ?? true) && params <= PREFLIGHT_EVAL_MAX_PARAMS;
  const languages = (config.dataParams['languages'] ?? {}) as Record<string, unknown>;
  const measured: LanguageCoverage[] = [];
  for (const [lang, spec] of Object.entries(languages)) {
    const text = await sampleText(spec);
    if (!text) continue;
    const m: LanguageCoverage = {
      lang,
      bytes: utf8Bytes(text),
      tokens: tokenizer.encode(text).length,
    };
    if (runModel) {
      // Loaded lazily: validate on a big model never pulls in the engine.
      const { evalModelFolder } = await import('../engine/model-folder-tasks.js');
      const cut = decodeWholeUtf8(Buffer.from(text).subarray(0, EVAL_BYTES)).text;
      const r = await evalModelFolder(config.baseModel, { text: cut });
      if (r.bitsPerByte !== undefined) m.bitsPerByte = r.bitsPerByte;
    }
    measured.push(m);
  }
  const a = assessCoverage(config.target, measured);
  if (!a)
    return {
      lines: [
        `coverage preflight: skipped (no training text for ${config.target} and another language)`,
      ],
    };
  const lines = [
    `coverage of ${config.target} by the base model: ${coverageFigures(a)}` +
      (runModel ? '' : ' (bits per byte: see the run report; the model is too big to run here)'),
  ];
  if (!a.unseen) return { assessment: a, lines };
  const t = config.elo.train;
  const cost = eloEmbeddingCost(
    modelConfig,
    config.elo.layers,
    t.batchSize ?? 8,
    t.seqLen ?? config.data.seqLen,
  );
  const warning = unseenTargetWarning(a, {
    trainEmbeddings: t.trainEmbeddings === true,
    cost: describeEmbeddingCost(cost),
  });
  return { assessment: a, lines: [...lines, `warning: ${warning}`], warning };
}
