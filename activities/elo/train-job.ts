import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../engine/backend.js';
import { loadModelFolder, saveModelFolder } from '../../engine/io/hf-folder.js';
import { loadPackedTokens } from '../../engine/io/token-shards.js';
import { LlamaModel } from '../../engine/model/llama-model.js';
import type { LlamaConfig } from '../../engine/model/config.js';
import { DEFAULT_ADAMW } from '../../engine/train/adamw.js';
import { PackedDataLoader } from '../../engine/train/data-loader.js';
import { StoreCheckpointer } from '../../engine/train/store-checkpointer.js';
import { selectTrainable } from '../../engine/train/trainable.js';
import { Trainer } from '../../engine/train/trainer.js';
import { CONFIG_FILE, HfTokenizer } from '../../formats/index.js';
import type { TrainParams } from '../../pipeline/stages/elo.js';
import type { TrainingProgress } from '../../pipeline/stage-call.js';
import type { ArtifactRef } from '../../storage/artifact-ref.js';
import { openStore } from '../../storage/open-store.js';
import type { TrainingRun } from '../../reports/report-data.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { readShardList, TOKENIZER_DIR } from './data-artifact.js';
import { fetchRef, withScratch } from './scratch.js';

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

/** Everything the training job needs, as plain data (it crosses into a worker thread). */
export interface TrainJob {
  storeUri: string;
  nodeId: string;
  producer: string;
  params: TrainParams;
  inputs: { model?: ArtifactRef; data: ArtifactRef };
  /** Store keys of this node's artifacts (ctx.artifactKey). */
  keys: { checkpoints: string; curves: string; model: string; metrics: string };
}

export interface TrainJobResult {
  outputs: { model: ArtifactRef; metrics: ArtifactRef };
  metrics: Record<string, number>;
}

export interface TrainJobHooks {
  progress(p: TrainingProgress): void;
  /** Polled between steps: true = checkpoint now and return `stopped`. */
  shouldStop(): boolean;
  log(level: 'info' | 'warn', message: string): void;
}

/**
 * One causal-LM training run for every method (elo on a detached model, full CP, freeze-tune in
 * place, alignment, from-scratch pretraining): reports every step, the engine's trainer writes a
 * checkpoint every K steps and when stopped; a new attempt resumes from the newest one that
 * verifies (weights, AdamW moments, data cursor, RNG), so it ends with an unbroken run's weights.
 * Returns 'stopped' when told to stop (the checkpoint is written by then).
 */
export async function runTrainJob(
  job: TrainJob,
  hooks: TrainJobHooks,
): Promise<TrainJobResult | 'stopped'> {
  const store = openStore(job.storeUri);
  return withScratch(async (dir) => {
    await initBackend({ log: (line) => hooks.log('info', line) });
    const p = job.params;
    const dataDir = await fetchRef(store, job.inputs.data, dir, 'data');
    const shards = await readShardList(dataDir);
    let model: LlamaModel;
    let rawConfig: Record<string, unknown> = {};
    let sideFilesFrom: string;
    if (job.inputs.model) {
      const modelDir = await fetchRef(store, job.inputs.model, dir, 'model');
      model = await loadModelFolder(modelDir);
      rawConfig = JSON.parse(await readFile(path.join(modelDir, CONFIG_FILE), 'utf8')) as Record<
        string,
        unknown
      >;
      sideFilesFrom = modelDir;
    } else if (p.init) {
      sideFilesFrom = path.join(dataDir, TOKENIZER_DIR);
      const config = await initConfig(p.init, sideFilesFrom);
      model = LlamaModel.init(config, p.seed, { initializerRange: p.init.initializerRange });
    } else {
      throw new TrainInputError('train: wire a `model` input or set params.init (a model shape)');
    }
    const config = model.config;
    const eos = job.inputs.data.meta['eosTokenId'];
    if (typeof eos !== 'number') throw new TrainInputError('train: data ref has no eosTokenId');
    const tokens = await loadPackedTokens(shards.train, eos);
    const loader = new PackedDataLoader(tokens, {
      seqLen: p.seqLen,
      batchSize: p.batchSize,
      seed: p.seed,
      eosTokenId: eos,
    });
    const trainable = selectTrainable(
      model.weights.specs,
      model.layerIndices,
      config.numHiddenLayers,
      {
        mode: p.mode,
        ...(p.layers ? { layers: p.layers } : {}),
        ...(p.trainEmbeddings !== undefined ? { trainEmbeddings: p.trainEmbeddings } : {}),
        ...(p.trainHead !== undefined ? { trainHead: p.trainHead } : {}),
      },
      config.tieWordEmbeddings,
    );
    const prefix = job.keys.checkpoints;
    const curvesPrefix = job.keys.curves;
    const checkpointer = new StoreCheckpointer(store, prefix, {
      keepLast: 2,
      log: (line) => hooks.log('warn', line),
    });
    const trainer = new Trainer(
      model,
      loader,
      {
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
      trainable,
      checkpointer,
    );
    try {
      const resumed = await trainer.resume();
      const resumedFrom = trainer.step;
      if (resumed) hooks.log('info', `resuming from step ${resumedFrom}`);
      const curve = resumed ? await loadCurve(store, curvesPrefix, resumedFrom) : [];
      let lastCheckpoint = trainer.lastCheckpoint
        ? { uri: store.uriFor(trainer.lastCheckpoint), step: resumedFrom }
        : undefined;
      let peakTensorBytes = 0;
      let rssBytes = 0;
      const result = await trainer.run({
        onStep: (info) => {
          peakTensorBytes = Math.max(peakTensorBytes, info.peakTensorBytes);
          rssBytes = Math.max(rssBytes, info.rssBytes);
          curve.push({
            step: info.step,
            tokens: info.tokens,
            loss: info.loss,
            ms: info.timings.stepMs,
          });
          hooks.progress({
            step: info.step,
            tokens: info.tokens,
            loss: info.loss,
            tokensPerSec: info.tokensPerSec,
            totalSteps: p.steps,
            ...(lastCheckpoint ? { lastCheckpoint } : {}),
          });
        },
        shouldStop: () => hooks.shouldStop(),
        onCheckpoint: async (key, step) => {
          await store.commitFiles(
            curveKey(curvesPrefix, step),
            [{ path: 'curve.json', data: JSON.stringify(curve) }],
            { producer: job.producer, meta: { step } },
          );
          lastCheckpoint = { uri: store.uriFor(key), step };
        },
      });
      // The trainer has written a checkpoint at this step; the next attempt resumes there.
      if (result.stopped) return 'stopped';

      const out = path.join(dir, 'trained');
      await saveModelFolder(model, out, { rawConfig, dtype: p.dtype, sideFilesFrom });
      const wallMs = curve.reduce((s, c) => s + c.ms, 0);
      const trainableSet = new Set(trainable);
      const size = (names: (s: { name: string }) => boolean) =>
        model.weights.specs.filter(names).reduce((n, s) => n + tf.util.sizeFromShape(s.hfShape), 0);
      const run: TrainingRun = {
        stage: job.nodeId,
        method: p.mode,
        layers: [...model.layerIndices],
        tokens: result.tokens,
        wallMs,
        tokensPerSec: wallMs > 0 ? result.tokens / (wallMs / 1000) : 0,
        trainableParams: size((s) => trainableSet.has(s.name)),
        computedParams: model.weights.numParameters(),
        peakTensorBytes,
        rssBytes,
        curve: curve.map(({ step, tokens: t, loss }) => ({ step, tokens: t, loss })),
      };
      const modelRef = await store.commitFolder(job.keys.model, out, {
        producer: job.producer,
        meta: { method: p.mode, steps: result.step, tokens: result.tokens },
      });
      const metricsRef = await store.commitFiles(
        job.keys.metrics,
        [{ path: TRAINING_FILE, data: JSON.stringify(run, null, 2) }],
        { producer: job.producer },
      );
      return {
        outputs: { model: modelRef, metrics: metricsRef },
        metrics: {
          steps: result.step,
          tokens: result.tokens,
          finalLoss: result.lastLoss ?? curve.at(-1)?.loss ?? 0,
          wallMs,
          tokensPerSec: run.tokensPerSec,
          trainableParams: run.trainableParams,
          computedParams: run.computedParams,
          peakTensorBytes,
          rssBytes,
          resumedFromStep: resumedFrom,
        },
      };
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });
}
