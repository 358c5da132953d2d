import { log } from '@temporalio/activity';
import { initBackend } from '../../engine/backend.js';
import { type EvalJobSet, runEvalJobInWorker } from '../../engine/eval-job.js';
import { shardDocuments } from '../../engine/io/token-shards.js';
import { evalStreams } from '../../engine/memory-model.js';
import { type StreamingPrompt } from '../../engine/streaming/streaming-generate.js';
import { HfModelFolder, HfTokenizer } from '../../formats/index.js';
import { evaluateStage } from '../../pipeline/stages/elo.js';
import type { Evaluation, Sample } from '../../reports/report-data.js';
import { implementStage } from '../stage-activity.js';
import { readShardList } from './data-artifact.js';
import { fetchRef, producerOf, withScratch } from './scratch.js';
import { evaluateMemory } from './stage-memory.js';

export const EVALUATION_FILE = 'evaluation.json';

/** What an evaluate artifact holds (report input). */
export interface EvaluationFile {
  label: string;
  evaluations: Evaluation[];
  samples: Sample[];
}

/** The first documents of a shard, cut so that at most `maxTokens` tokens are taken in all. */
async function firstTokens(shard: string, maxTokens: number): Promise<Uint32Array[]> {
  const docs: Uint32Array[] = [];
  let n = 0;
  for await (const doc of shardDocuments([shard])) {
    const take = doc.subarray(0, Math.min(doc.length, maxTokens - n));
    if (take.length >= 2) docs.push(take);
    n += take.length;
    if (n >= maxTokens) break;
  }
  return docs;
}

interface EvalSet extends EvalJobSet {
  lang: string;
  set: string;
}

/**
 * evaluate: per language, held-out loss / perplexity / bits per byte on the validation split and
 * each named eval set of the data artifact (the first `maxTokensPerSet` tokens of each, the same
 * for every model), and greedy-then-top-k samples continuing validation prompts. Bytes are those
 * of the evaluated tokens decoded with the model's tokenizer, so bits per byte compare across
 * tokenizers. Models over 2 GB of float32 weights stream layer by layer (`streaming`).
 */
export const evaluateActivity = implementStage(
  evaluateStage,
  async (ctx) =>
    withScratch(async (dir) => {
      const backend = await initBackend({ log: (line) => log.info(line) });
      const p = ctx.params;
      const modelDir = await fetchRef(ctx.store, ctx.inputs.model, dir, 'model');
      const dataDir = await fetchRef(ctx.store, ctx.inputs.data, dir, 'data');
      const shards = await readShardList(dataDir);
      const tokenizer = await HfTokenizer.load(modelDir);
      const folder = await HfModelFolder.open(modelDir);
      const config = folder.config;
      await folder.close();
      const streaming = evalStreams(config, p.streaming);
      const eos = ctx.inputs.data.meta['eosTokenId'];
      const named: { lang: string; set: string; shard: string }[] = [
        ...Object.entries(shards.validation).map(([lang, shard]) => ({
          lang,
          set: 'validation',
          shard,
        })),
        ...Object.entries(shards.eval).flatMap(([lang, byName]) =>
          Object.entries(byName).map(([set, shard]) => ({ lang, set, shard })),
        ),
      ];
      const sets: EvalSet[] = [];
      for (const s of named) {
        const docs = await firstTokens(s.shard, p.maxTokensPerSet);
        if (docs.length === 0) continue;
        // The separator is predicted like any token but is not text: it adds no bytes.
        const bytes = docs.reduce(
          (n, d) => n + Buffer.byteLength(tokenizer.decode(d.filter((t) => t !== eos)), 'utf8'),
          0,
        );
        sets.push({ lang: s.lang, set: s.set, sequences: docs, bytes });
      }
      const eosIds = typeof eos === 'number' ? { eosTokenId: eos } : {};
      const prompts: (StreamingPrompt & { lang: string })[] = [];
      for (const [lang, shard] of Object.entries(shards.validation)) {
        const docs = await firstTokens(shard, p.samples.perLanguage * 4 * p.samples.promptTokens);
        for (const [i, doc] of docs
          .filter((d) => d.length > p.samples.promptTokens)
          .slice(0, p.samples.perLanguage)
          .entries()) {
          prompts.push({
            lang,
            prompt: Array.from(doc.subarray(0, p.samples.promptTokens)),
            opts: {
              maxNewTokens: p.samples.maxNewTokens,
              // The first sample is greedy, the others sampled: both views of the model.
              topK: i === 0 ? 0 : p.samples.topK,
              temperature: 1,
              seed: p.samples.seed + i,
              ...eosIds,
            },
          });
        }
      }
      // In a worker thread: this one keeps heartbeating and running the worker's other stages.
      const { results, generations } = await runEvalJobInWorker(
        {
          backend: backend.name,
          modelDir,
          streaming,
          seqLen: p.seqLen,
          batchSize: p.batchSize,
          sets,
          prompts,
        },
        {
          signal: ctx.signal,
          onProgress: (done, total) =>
            ctx.progress({ step: done, tokens: 0, loss: 0, tokensPerSec: 0, totalSteps: total }),
        },
      );
      const evaluations: Evaluation[] = [];
      const samples: Sample[] = [];
      const metrics: Record<string, number> = {};
      sets.forEach((s, i) => {
        const r = results[i]!;
        evaluations.push({
          model: p.label,
          lang: s.lang,
          set: s.set,
          tokens: r.tokens,
          bytes: s.bytes,
          meanNll: r.meanNll,
          perplexity: r.perplexity,
          bitsPerByte: r.bitsPerByte ?? 0,
        });
        metrics[`bitsPerByte.${s.lang}.${s.set}`] = r.bitsPerByte ?? 0;
      });
      prompts.forEach((q, i) => {
        const text = tokenizer.decodeContinuation(
          q.prompt,
          generations[i]!.slice(q.prompt.length),
          {
            skipSpecialTokens: true,
          },
        );
        samples.push({ model: p.label, lang: q.lang, ...text });
      });
      const file: EvaluationFile = { label: p.label, evaluations, samples };
      const ref = await ctx.store.commitFiles(
        ctx.artifactKey('metrics'),
        [{ path: EVALUATION_FILE, data: JSON.stringify(file, null, 2) }],
        { producer: producerOf(ctx.stage), meta: { label: p.label, streaming } },
      );
      return { outputs: { metrics: ref }, metrics };
    }),
  { memory: evaluateMemory },
);
