import path from 'node:path';
import { parsePrepareDataParams, prepareData } from '../../dataprep/index.js';
import { prepareDataStage } from '../../pipeline/stages/elo.js';
import { implementStage } from '../stage-activity.js';
import { dataArtifactMeta, writeDataArtifactFiles } from './data-artifact.js';
import { fetchRef, producerOf, withScratch } from './scratch.js';

/**
 * prepare-data: dataprep.prepareData on the params (its schema names a bad field), the tokenizer
 * from params or from the `tokenizer` input (a model folder); commits shards, stats and the
 * tokenizer files. Token counts per language become metrics.
 */
export const prepareDataActivity = implementStage(prepareDataStage, async (ctx) =>
  withScratch(async (dir) => {
    const raw = { ...ctx.params.data };
    if (raw['tokenizer'] === undefined && ctx.inputs.tokenizer) {
      raw['tokenizer'] = await fetchRef(ctx.store, ctx.inputs.tokenizer, dir, 'tokenizer-source');
    }
    const params = parsePrepareDataParams(raw);
    const out = path.join(dir, 'data');
    const result = await prepareData(params, out, {
      onProgress: (p) => {
        ctx.progress({ step: p.documents, tokens: p.tokens, loss: Number.NaN, tokensPerSec: 0 });
      },
    });
    await writeDataArtifactFiles(out, result.shards, params.tokenizer);
    const data = await ctx.store.commitFolder(ctx.artifactKey('data'), out, {
      producer: producerOf(ctx.stage),
      meta: dataArtifactMeta(result.stats),
    });
    const metrics: Record<string, number> = { trainTokens: result.stats.trainTokens };
    for (const [lang, st] of Object.entries(result.stats.languages)) {
      metrics[`validationTokens.${lang}`] = st.validation.tokens;
      if (st.mixed) metrics[`trainTokens.${lang}`] = st.mixed.tokens;
    }
    return { outputs: { data }, metrics };
  }),
);
