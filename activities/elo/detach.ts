import path from 'node:path';
import { detach } from '../../formats/index.js';
import { detachStage } from '../../pipeline/stages/elo.js';
import { implementStage } from '../stage-activity.js';
import { fetchRef, producerOf, withScratch } from './scratch.js';

/** detach: the standalone model of layers λ (formats' streamed tensor renames). */
export const detachActivity = implementStage(detachStage, async (ctx) =>
  withScratch(async (dir) => {
    const base = await fetchRef(ctx.store, ctx.inputs.model, dir, 'base');
    const out = path.join(dir, 'detached');
    const { manifest } = await detach(base, ctx.params.layers, out);
    const model = await ctx.store.commitFolder(ctx.artifactKey('model'), out, {
      producer: producerOf(ctx.stage),
      meta: { baseLayers: manifest.baseLayers, baseNumLayers: manifest.baseNumLayers },
    });
    return {
      outputs: { model },
      metrics: { layers: manifest.baseLayers.length, baseLayers: manifest.baseNumLayers },
    };
  }),
);
