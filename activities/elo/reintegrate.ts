import path from 'node:path';
import { reintegrate } from '../../formats/index.js';
import { reintegrateStage } from '../../pipeline/stages/elo.js';
import { implementStage } from '../stage-activity.js';
import { fetchRef, producerOf, withScratch } from './scratch.js';

/**
 * reintegrate: the trained detached layers written back at their indices in the base (and the
 * embeddings, final norm and head too when ELO training unfroze them).
 */
export const reintegrateActivity = implementStage(reintegrateStage, async (ctx) =>
  withScratch(async (dir) => {
    const base = await fetchRef(ctx.store, ctx.inputs.base, dir, 'base');
    const trained = await fetchRef(ctx.store, ctx.inputs.trained, dir, 'trained');
    const out = path.join(dir, 'merged');
    const r = await reintegrate(base, trained, out, {
      includeNonLayer: ctx.inputs.trained.meta['nonLayerTrained'] === true,
    });
    const model = await ctx.store.commitFolder(ctx.artifactKey('model'), out, {
      producer: producerOf(ctx.stage),
      meta: { replaced: r.replaced },
    });
    return { outputs: { model }, metrics: { replacedLayers: Object.keys(r.replaced).length } };
  }),
);
