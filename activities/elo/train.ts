import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { log } from '@temporalio/activity';
import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_ADAMW,
  initBackend,
  LlamaModel,
  parameterSpecs,
  resolveLayerIndices,
  saveModelFolder,
  selectTrainable,
  type LlamaConfig,
} from '../../engine/index.js';
import { runTrainJobInWorker, type TrainJob } from '../../engine/train/train-job.js';
import { HfModelFolder, HfTokenizer } from '../../formats/index.js';
import { trainStage, type TrainParams } from '../../pipeline/stages/elo.js';
import type { TrainingRun } from '../../reports/report-data.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { trainingHooks } from '../durable-training.js';
import { implementStage } from '../stage-activity.js';
import { readShardList, TOKENIZER_DIR } from './data-artifact.js';
import { fetchRef, producerOf, withScratch } from './scratch.js';
import { trainMemoryNeed, trainSelection } from './stage-memory.js';

/** The input does not fit the params (no model and no init shape, …): not worth retrying. */
export class TrainInputError extends Error {
  override readonly name = 'TrainInputError';
}

export const TRAINING_FILE = 'training.json';

type CurvePoint = TrainingRun['curve'][number] & { ms: number };

/** The loss curve up to a checkpoint lives next to it, so a resumed run reports the whole curve. */
const curveKey = (prefix: string, step: number) =>
  `${prefix}/step-${String(step).padStart(8, '0')}`;

async function loadCurve(store: ArtifactStore, prefix: string, step: number) {
  try {
    const buf = await store.readFile(curveKey(prefix, step), 'curve.json');
    return JSON.parse(buf.toString('utf8')) as CurvePoint[];
  } catch {
    return []; // the curve is a report nicety; training state comes from the checkpoint
  }
}

/** A from-scratch Llama config: shape from params, vocabulary and special ids from the tokenizer. */
async function initConfig(p: NonNullable<TrainParams['init']>, tokDir: string) {
  const tokenizer = await HfTokenizer.load(tokDir);
  const tc = JSON.parse(await readFile(path.join(tokDir, 'tokenizer_config.json'), 'utf8')) as {
    bos_token?: string;
    eos_token?: string;
  };
  const idOf = (t?: string) => (t === undefined ? null : (tokenizer.tokenToId(t) ?? null));
  const config: LlamaConfig = {
    architecture: 'LlamaForCausalLM',
    modelType: 'llama',
    vocabSize: tokenizer.vocabSize,
    hiddenSize: p.hiddenSize,
    intermediateSize: p.intermediateSize,
    numHiddenLayers: p.numHiddenLayers,
    numAttentionHeads: p.numAttentionHeads,
    numKeyValueHeads: p.numKeyValueHeads,
    headDim: p.hiddenSize / p.numAttentionHeads,
    rmsNormEps: p.rmsNormEps,
    ropeTheta: p.ropeTheta,
    ropeScaling: null,
    maxPositionEmbeddings: p.maxPositionEmbeddings,
    tieWordEmbeddings: p.tieWordEmbeddings,
    attentionBias: false,
    oProjBias: false,
    slidingWindow: null,
    bosTokenId: idOf(tc.bos_token),
    eosTokenId: idOf(tc.eos_token),
    torchDtype: null,
  };
  return config;
}

/** Writes the seeded initial model as an HF folder with the data's tokenizer (pretraining). */
async function initModelFolder(p: TrainParams, dataDir: string, out: string): Promise<void> {
  await initBackend({ log: (line) => log.info(line) });
  const tokDir = path.join(dataDir, TOKENIZER_DIR);
  const config = await initConfig(p.init!, tokDir);
  const model = LlamaModel.init(config, p.seed, { initializerRange: p.init!.initializerRange });
  try {
    await saveModelFolder(model, out, { sideFilesFrom: tokDir });
  } finally {
    model.dispose();
  }
}

/** Trainable and computed (forward) parameter counts of the model the job trains. */
function parameterCounts(config: LlamaConfig, p: TrainParams) {
  const layers = resolveLayerIndices(
    Array.from({ length: config.numHiddenLayers }, (_, i) => i),
    config.numHiddenLayers,
  );
  const specs = parameterSpecs(config, layers);
  const trainable = new Set(
    selectTrainable(
      specs,
      layers,
      config.numHiddenLayers,
      trainSelection(p),
      config.tieWordEmbeddings,
    ),
  );
  const size = (s: { hfShape: number[] }) => tf.util.sizeFromShape(s.hfShape);
  return {
    trainableParams: specs.filter((s) => trainable.has(s.name)).reduce((n, s) => n + size(s), 0),
    computedParams: specs.reduce((n, s) => n + size(s), 0),
  };
}

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
      const shards = await readShardList(dataDir);
      const eos = ctx.inputs.data.meta['eosTokenId'];
      if (typeof eos !== 'number') throw new TrainInputError('train: data ref has no eosTokenId');
      let modelDir = path.join(dir, 'model');
      if (ctx.inputs.model) modelDir = await fetchRef(ctx.store, ctx.inputs.model, dir, 'model');
      else if (p.init) await initModelFolder(p, dataDir, modelDir);
      else throw new TrainInputError('train: wire a `model` input or set params.init (a shape)');
      const folder = await HfModelFolder.open(modelDir);
      const config = folder.config;
      await folder.close();

      const checkpoints = ctx.artifactKey('checkpoints');
      const curves = ctx.artifactKey('curves');
      const out = path.join(dir, 'trained');
      const logdir = path.join(dir, 'tensorboard');
      const job: TrainJob = {
        model: { folder: modelDir },
        data: { shards: shards.train, eosTokenId: eos, seqLen: p.seqLen, batchSize: p.batchSize },
        selection: trainSelection(p),
        train: {
          seed: p.seed,
          totalSteps: p.steps,
          gradAccumSteps: p.gradAccumSteps,
          schedule: {
            peakLr: p.lr,
            minLr: p.lr * p.minLrRatio,
            warmupSteps: Math.min(p.warmupSteps, p.steps),
            totalSteps: p.steps,
          },
          adamw: { ...DEFAULT_ADAMW, weightDecay: p.weightDecay },
          maxGradNorm: p.maxGradNorm,
          checkpointEvery: p.checkpointEvery,
        },
        checkpoints: { storeUri: ctx.run.storeUri, prefix: checkpoints, keepLast: 2 },
        output: { folder: out, dtype: p.dtype },
        tensorboard: { logdir },
      };
      const curve: CurvePoint[] = [];
      /** Steps before this attempt's first one (a resumed run), from the curve saved with them. */
      const earlierCurve = async (): Promise<CurvePoint[]> => {
        const from = curve.length ? curve[0]!.step - 1 : 0;
        return from > 0
          ? (await loadCurve(ctx.store, curves, from)).filter((c) => c.step <= from)
          : [];
      };
      const hooks = trainingHooks(ctx, { totalSteps: p.steps });
      const curveWrites: Promise<unknown>[] = [];
      let peakTensorBytes = 0;
      let rssBytes = 0;
      const result = await runTrainJobInWorker(job, {
        signal: ctx.signal,
        onStep: (info) => {
          peakTensorBytes = Math.max(peakTensorBytes, info.peakTensorBytes);
          rssBytes = Math.max(rssBytes, info.rssBytes);
          curve.push({
            step: info.step,
            tokens: info.tokens,
            loss: info.loss,
            ms: info.timings.stepMs,
          });
          hooks.onStep(info);
        },
        onCheckpoint: (key, step) => {
          hooks.onCheckpoint(key, step);
          curveWrites.push(
            (async () => {
              const before = await earlierCurve();
              await ctx.store.commitFiles(
                curveKey(curves, step),
                [{ path: 'curve.json', data: JSON.stringify([...before, ...curve]) }],
                { producer: producerOf(ctx.stage), meta: { step } },
              );
            })(),
          );
        },
      });
      await Promise.all(curveWrites);
      // The trainer wrote a checkpoint at this step; the next attempt resumes there.
      hooks.rethrowIfStopped(result);
      // A resumed run: the curve up to the resume point comes from the checkpoint it resumed.
      const full = [...(await earlierCurve()), ...curve];

      const wallMs = full.reduce((s, c) => s + c.ms, 0);
      const counts = parameterCounts(config, p);
      const run: TrainingRun = {
        stage: ctx.nodeId,
        method: p.label ?? p.mode,
        layers: Array.from({ length: config.numHiddenLayers }, (_, i) => i),
        tokens: result.tokens,
        wallMs,
        tokensPerSec: wallMs > 0 ? result.tokens / (wallMs / 1000) : 0,
        ...counts,
        peakTensorBytes,
        rssBytes,
        curve: full.map(({ step, tokens, loss }) => ({ step, tokens, loss })),
      };
      const detach = ctx.inputs.model?.meta['baseLayers'];
      if (Array.isArray(detach)) run.layers = detach as number[];
      else if (p.mode === 'freeze-tune' && p.layers)
        run.layers = resolveLayerIndices(p.layers, config.numHiddenLayers);
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
      const metrics = await ctx.store.commitFiles(
        ctx.artifactKey('metrics'),
        [{ path: TRAINING_FILE, data: JSON.stringify(run, null, 2) }],
        { producer: producerOf(ctx.stage) },
      );
      // TensorBoard event files beside the metrics (native backends write them; a resumed attempt's
      // file starts at its resume point, curve.json has every step).
      if (existsSync(logdir)) {
        await ctx.store.commitFolder(ctx.artifactKey('tensorboard'), logdir, {
          producer: producerOf(ctx.stage),
        });
      }
      return {
        outputs: { model, metrics },
        metrics: {
          steps: result.step,
          tokens: result.tokens,
          finalLoss: result.lastLoss ?? full.at(-1)?.loss ?? 0,
          wallMs,
          tokensPerSec: run.tokensPerSec,
          ...counts,
          peakTensorBytes,
          rssBytes,
          resumedFromStep: result.resumedFrom ?? 0,
        },
      };
    }),
  { memory: trainMemoryNeed },
);
