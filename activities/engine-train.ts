import path from 'node:path';
import { engineTrain } from '../pipeline/stages/engine-train.js';
import { producerOf } from '../storage/manifest.js';
import { withScratch } from '../storage/scratch.js';
import { trainingHooks } from './training-hooks.js';
import { implementStage } from './stage-activity.js';

/**
 * engine-train: fetches the model folder and token shards (verified), runs the engine's TrainJob
 * in a worker thread with checkpoints in the run's store, and commits the trained folder. The
 * engine is imported lazily, so cpu workers never load tfjs.
 */
export const trainWithEngine = implementStage(engineTrain, async (ctx) => {
  const { runTrainJobInWorker } = await import('../engine/train/train-job.js');
  const p = ctx.params;
  return withScratch(async (work) => {
    const modelDir = path.join(work, 'model');
    const shardsDir = path.join(work, 'shards');
    await ctx.store.fetchFolder(ctx.store.keyOf(ctx.inputs.model.uri), modelDir);
    const shards = await ctx.store.fetchFolder(ctx.store.keyOf(ctx.inputs.shards.uri), shardsDir);
    const prefix = p.data.subdir ? `${p.data.subdir.replace(/\/$/, '')}/` : '';
    const shardFiles = shards.files
      .map((f) => f.path)
      .filter((f) => f.endsWith('.bin') && f.startsWith(prefix))
      .sort()
      .map((f) => path.join(shardsDir, f));
    if (shardFiles.length === 0)
      throw new Error(`no .bin shards under "${prefix}" in ${ctx.inputs.shards.uri}`);

    const hooks = trainingHooks(ctx, { totalSteps: p.train.totalSteps });
    const outputDir = path.join(work, 'out');
    const result = await runTrainJobInWorker(
      {
        ...(p.backend ? { backend: p.backend } : {}),
        model: { folder: modelDir, ...(p.layers ? { layers: p.layers } : {}) },
        data: {
          shards: shardFiles,
          eosTokenId: p.data.eosTokenId,
          seqLen: p.data.seqLen,
          batchSize: p.data.batchSize,
          ...(p.data.lang ? { lang: p.data.lang } : {}),
        },
        selection: p.selection,
        train: p.train,
        checkpoints: {
          storeUri: ctx.run.storeUri,
          prefix: ctx.artifactKey('checkpoints'),
          ...(p.keepLastCheckpoints ? { keepLast: p.keepLastCheckpoints } : {}),
        },
        output: { folder: outputDir, ...(p.outputDtype ? { dtype: p.outputDtype } : {}) },
      },
      { onStep: hooks.onStep, onCheckpoint: hooks.onCheckpoint, signal: ctx.signal },
    );
    hooks.rethrowIfStopped(result);
    const model = await ctx.store.commitFolder(ctx.artifactKey('model'), outputDir, {
      producer: producerOf(ctx.stage),
      meta: { steps: result.step, tokens: result.tokens },
    });
    return {
      outputs: { model },
      metrics: {
        steps: result.step,
        tokens: result.tokens,
        resumedFromStep: result.resumedFrom ?? 0,
        ...(result.lastLoss !== null ? { loss: result.lastLoss } : {}),
      },
    };
  }, 'elo-train-');
});
