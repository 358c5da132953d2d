import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePrepareDataParams, prepareData } from '../../dataprep/index.js';
import { TOKENIZER_SIDE_FILES } from '../../formats/index.js';
import { prepareDataStage } from '../../pipeline/stages/elo.js';
import { implementStage } from '../stage-activity.js';
import { SHARDS_FILE, TOKENIZER_DIR } from './data-artifact.js';
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
    const rel = (p: string) => path.relative(out, path.resolve(out, p));
    const shards = {
      train: result.shards.train.map(rel),
      validation: Object.fromEntries(
        Object.entries(result.shards.validation).map(([l, p]) => [l, rel(p)]),
      ),
      eval: Object.fromEntries(
        Object.entries(result.shards.eval).map(([l, sets]) => [
          l,
          Object.fromEntries(Object.entries(sets).map(([n, p]) => [n, rel(p)])),
        ]),
      ),
    };
    await writeFile(path.join(out, SHARDS_FILE), JSON.stringify(shards, null, 2));
    await mkdir(path.join(out, TOKENIZER_DIR));
    const tokDir = params.tokenizer.endsWith('.json')
      ? path.dirname(params.tokenizer)
      : params.tokenizer;
    for (const file of TOKENIZER_SIDE_FILES) {
      await copyFile(path.join(tokDir, file), path.join(out, TOKENIZER_DIR, file)).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        },
      );
    }
    const data = await ctx.store.commitFolder(ctx.artifactKey('data'), out, {
      producer: producerOf(ctx.stage),
      meta: { languages: Object.keys(result.stats.languages), eosTokenId: result.stats.eosTokenId },
    });
    const metrics: Record<string, number> = { trainTokens: result.stats.trainTokens };
    for (const [lang, st] of Object.entries(result.stats.languages)) {
      metrics[`validationTokens.${lang}`] = st.validation.tokens;
      if (st.mixed) metrics[`trainTokens.${lang}`] = st.mixed.tokens;
    }
    return { outputs: { data }, metrics };
  }),
);
