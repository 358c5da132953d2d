import { existsSync } from 'node:fs';
import path from 'node:path';
import { log } from '@temporalio/activity';
import {
  countTrainable,
  initBackend,
  initModelFolder,
  resolveLayerIndices,
  type LlamaConfig,
} from '../../engine/index.js';
import { runTrainJobInWorker, type TrainJobResult } from '../../engine/train/train-job.js';
import { HfModelFolder } from '../../formats/index.js';
import { trainStage } from '../../pipeline/stages/elo.js';
import type { TrainingRun } from '../../reports/report-data.js';
import { trainingHooks } from '../training-hooks.js';
import { WriteQueue } from '../write-queue.js';
import { implementStage, type StageContext } from '../stage-activity.js';
import { readShardList, TOKENIZER_DIR } from './data-artifact.js';
import { fetchRef, producerOf, withScratch } from './scratch.js';
import { trainMemoryNeed, trainSelection } from './stage-memory.js';
import { loadCurve, saveCurve, type CurvePoint, type SavedCurve } from './train-curve.js';
import { trainJobOf } from './train-job.js';

/** The input does not fit the params (no model and no init shape, …): not worth retrying. */
export class TrainInputError extends Error {
  override readonly name = 'TrainInputError';
}

export const TRAINING_FILE = 'training.json';

type Ctx = StageContext<typeof trainStage>;

/**
 * train: one causal-LM training activity for every method (elo on a detached model, full CP,
 * freeze-tune in place, alignment, from-scratch pretraining), run by the engine's TrainJob in a
 * worker thread — a step is seconds of synchronous tensor work that would otherwise starve
 * heartbeats, cancellation and the workflow tasks of a worker in the same process. Each step
 * becomes a heartbeat {step, tokens, loss, tokensPerSec, lastCheckpoint, totalSteps}; the trainer
 * checkpoints every K steps and when cancelled; a retry resumes from the newest checkpoint that
 * verifies (weights, AdamW moments, data cursor, RNG) and ends with an unbroken run's weights.
 */
export const trainActivity = implementStage(
  trainStage,
  async (ctx) =>
    withScratch(async (dir) => {
      const p = ctx.params;
      const dataDir = await fetchRef(ctx.store, ctx.inputs.data, dir, 'data');
      const eos = ctx.inputs.data.meta['eosTokenId'];
      if (typeof eos !== 'number') throw new TrainInputError('train: data ref has no eosTokenId');
      const modelDir = await modelFolder(ctx, dir, dataDir);
      const config = await configOf(modelDir);
      const out = path.join(dir, 'trained');
      const logdir = path.join(dir, 'tensorboard');
      const job = trainJobOf(p, {
        modelDir,
        shards: (await readShardList(dataDir)).train,
        eosTokenId: eos,
        storeUri: ctx.run.storeUri,
        checkpoints: ctx.artifactKey('checkpoints'),
        out,
        logdir,
      });

      const progress = new TrainProgress(ctx);
      const result = await runTrainJobInWorker(job, progress.callbacks());
      await progress.drain();
      // The trainer wrote a checkpoint at this step; the next attempt resumes there.
      progress.hooks.rethrowIfStopped(result);
      const run = await progress.trainingRun(result, config);
      const counts = { trainableParams: run.trainableParams, computedParams: run.computedParams };

      const model = await ctx.store.commitFolder(ctx.artifactKey('model'), out, {
        producer: producerOf(ctx.stage),
        meta: {
          method: p.mode,
          steps: result.step,
          tokens: result.tokens,
          // Reintegration takes embeddings, final norm and head from this model only when ELO
          // training changed them.
          nonLayerTrained: p.mode === 'elo' && (p.trainEmbeddings === true || p.trainHead === true),
        },
      });
      // Per attempt: it holds wall time and memory peaks, which no retry reproduces.
      const metrics = await ctx.store.commitFiles(
        ctx.attemptKey('metrics'),
        [{ path: TRAINING_FILE, data: JSON.stringify(run, null, 2) }],
        { producer: producerOf(ctx.stage) },
      );
      // TensorBoard event files beside the metrics (native backends write them; a resumed
      // attempt's file starts at its resume point, curve.json has every step). Per attempt:
      // event files hold wall times, which no retry reproduces.
      if (existsSync(logdir)) {
        await ctx.store.commitFolder(ctx.attemptKey('tensorboard'), logdir, {
          producer: producerOf(ctx.stage),
        });
      }
      return {
        outputs: { model, metrics },
        metrics: {
          steps: result.step,
          tokens: result.tokens,
          finalLoss: result.lastLoss ?? run.curve.at(-1)?.loss ?? 0,
          wallMs: run.wallMs,
          tokensPerSec: run.tokensPerSec,
          ...counts,
          peakTensorBytes: run.peakTensorBytes,
          rssBytes: run.rssBytes,
          resumedFromStep: result.resumedFrom ?? 0,
        },
      };
    }),
  { memory: trainMemoryNeed },
);

/** The model to train: the `model` input, or a seeded one of `params.init`'s shape. */
async function modelFolder(ctx: Ctx, dir: string, dataDir: string): Promise<string> {
  const p = ctx.params;
  if (ctx.inputs.model) return fetchRef(ctx.store, ctx.inputs.model, dir, 'model');
  if (!p.init)
    throw new TrainInputError('train: wire a `model` input or set params.init (a shape)');
  const modelDir = path.join(dir, 'model');
  await initBackend({ log: (line) => log.info(line) });
  await initModelFolder(p.init, p.seed, path.join(dataDir, TOKENIZER_DIR), modelDir);
  return modelDir;
}

async function configOf(modelDir: string): Promise<LlamaConfig> {
  const folder = await HfModelFolder.open(modelDir);
  try {
    return folder.config;
  } finally {
    await folder.close();
  }
}

/**
 * One attempt's progress: every step becomes a heartbeat and a curve point, every checkpoint
 * gets the curve up to it (so a resumed run reports the whole curve), and memory peaks are kept.
 */
class TrainProgress {
  readonly hooks;
  private readonly curve: CurvePoint[] = [];
  private readonly curveWrites = new WriteQueue();
  private readonly curves: string;
  private attemptMs = 0;
  private peakTensorBytes = 0;
  private rssBytes = 0;

  constructor(private readonly ctx: Ctx) {
    this.hooks = trainingHooks(ctx, { totalSteps: ctx.params.steps });
    this.curves = ctx.artifactKey('curves');
  }

  callbacks(): Parameters<typeof runTrainJobInWorker>[1] {
    return {
      signal: this.ctx.signal,
      onStep: (info) => {
        this.peakTensorBytes = Math.max(this.peakTensorBytes, info.peakTensorBytes);
        this.rssBytes = Math.max(this.rssBytes, info.rssBytes);
        this.curve.push({ step: info.step, tokens: info.tokens, loss: info.loss });
        this.attemptMs += info.timings.stepMs;
        this.hooks.onStep(info);
      },
      onLog: (line) => log.warn(line),
      onCheckpoint: (key, step) => {
        this.hooks.onCheckpoint(key, step);
        const upTo = [...this.curve];
        const msHere = this.attemptMs;
        this.curveWrites.add(async () => {
          const before = await this.earlier();
          const saved = { curve: [...before.curve, ...upTo], wallMs: before.wallMs + msHere };
          await saveCurve(this.ctx.store, this.curves, step, saved, producerOf(this.ctx.stage));
        });
      },
    };
  }

  drain(): Promise<void> {
    return this.curveWrites.drain();
  }

  /** Steps before this attempt's first one (a resumed run), from the curve saved with them. */
  private async earlier(): Promise<SavedCurve> {
    const from = this.curve.length ? this.curve[0]!.step - 1 : 0;
    if (from <= 0) return { curve: [], wallMs: 0 };
    const saved = await loadCurve(this.ctx.store, this.curves, from);
    return { ...saved, curve: saved.curve.filter((c) => c.step <= from) };
  }

  /** The run's report record: the whole curve (earlier attempts' too), cost and parameters. */
  async trainingRun(result: TrainJobResult, config: LlamaConfig): Promise<TrainingRun> {
    const { ctx } = this;
    const p = ctx.params;
    const before = await this.earlier();
    const wallMs = before.wallMs + this.attemptMs;
    const allLayers = Array.from({ length: config.numHiddenLayers }, (_, i) => i);
    const counted = countTrainable(config, allLayers, trainSelection(p));
    const detached = ctx.inputs.model?.meta['baseLayers'];
    return {
      stage: ctx.nodeId,
      method: p.label ?? p.mode,
      layers: Array.isArray(detached)
        ? (detached as number[])
        : p.mode === 'freeze-tune' && p.layers
          ? resolveLayerIndices(p.layers, config.numHiddenLayers)
          : allLayers,
      tokens: result.tokens,
      wallMs,
      tokensPerSec: wallMs > 0 ? result.tokens / (wallMs / 1000) : 0,
      trainableParams: counted.trainable,
      computedParams: counted.computed,
      peakTensorBytes: this.peakTensorBytes,
      rssBytes: this.rssBytes,
      curve: [...before.curve, ...this.curve],
    };
  }
}
