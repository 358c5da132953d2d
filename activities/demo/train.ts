import { CancelledFailure, log } from '@temporalio/activity';
import { demoTrain } from '../../pipeline/stages/demo.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import {
  betweenSteps,
  cancellableDelay,
  checkpointKey,
  loadNewestCheckpoint,
} from '../durable-training.js';
import { implementStage } from '../stage-activity.js';

/** Everything needed to continue exactly: weights, momentum, RNG state, position. */
interface TrainState {
  step: number;
  tokens: number;
  loss: number;
  rng: number;
  weights: Float64Array;
  velocity: Float64Array;
}

/** mulberry32: a 32-bit state, so saving the RNG is saving one integer. */
function nextRandom(state: { rng: number }): number {
  state.rng = (state.rng + 0x6d2b79f5) | 0;
  let t = state.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** The hidden target the regression recovers, fixed by the seed. */
function targetWeights(dim: number, seed: number): Float64Array {
  const rng = { rng: seed ^ 0x5bd1e995 };
  return Float64Array.from({ length: dim }, () => nextRandom(rng) * 2 - 1);
}

/** One momentum-SGD step on a fresh batch; returns the batch's mean squared error. */
function sgdStep(s: TrainState, target: Float64Array, p: { batch: number; lr: number }): number {
  const dim = s.weights.length;
  const grad = new Float64Array(dim);
  let loss = 0;
  for (let b = 0; b < p.batch; b++) {
    const x = Float64Array.from({ length: dim }, () => nextRandom(s) * 2 - 1);
    let err = 0;
    for (let i = 0; i < dim; i++) err += x[i]! * (s.weights[i]! - target[i]!);
    loss += err * err;
    for (let i = 0; i < dim; i++) grad[i]! += (2 * err * x[i]!) / p.batch;
  }
  for (let i = 0; i < dim; i++) {
    s.velocity[i] = 0.9 * s.velocity[i]! + grad[i]!;
    s.weights[i] = s.weights[i]! - p.lr * s.velocity[i]!;
  }
  return loss / p.batch;
}

async function saveCheckpoint(store: ArtifactStore, key: string, s: TrainState, producer: string) {
  const tensors = new Float64Array(s.weights.length * 2);
  tensors.set(s.weights, 0);
  tensors.set(s.velocity, s.weights.length);
  const meta = { step: s.step, tokens: s.tokens, loss: s.loss, rng: s.rng, dim: s.weights.length };
  return store.commitFiles(
    key,
    [
      { path: 'state.f64', data: new Uint8Array(tensors.buffer) },
      { path: 'state.json', data: JSON.stringify(meta) },
    ],
    { producer, meta: { step: s.step } },
  );
}

async function loadCheckpoint(store: ArtifactStore, key: string): Promise<TrainState> {
  const meta = JSON.parse((await store.readFile(key, 'state.json')).toString('utf8')) as {
    step: number;
    tokens: number;
    loss: number;
    rng: number;
    dim: number;
  };
  const raw = await store.readFile(key, 'state.f64');
  const tensors = new Float64Array(
    raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
  );
  return {
    step: meta.step,
    tokens: meta.tokens,
    loss: meta.loss,
    rng: meta.rng,
    weights: tensors.slice(0, meta.dim),
    velocity: tensors.slice(meta.dim),
  };
}

/**
 * The demo training stage: a real resumable loop (seeded data, momentum SGD) with the shape of the
 * ELO training activity: heartbeat every step, checkpoint every K steps and on cancellation,
 * resume from the newest checkpoint that verifies.
 */
export const train = implementStage(demoTrain, async (ctx) => {
  const p = ctx.params;
  const producer = `${ctx.stage.name}@${ctx.stage.version}`;
  const prefix = ctx.artifactKey('checkpoints');
  const target = targetWeights(p.dim, p.seed);
  const resume = await loadNewestCheckpoint(
    ctx,
    prefix,
    (key) => loadCheckpoint(ctx.store, key),
    (key, err) => log.warn('skipping unusable checkpoint', { key, error: String(err) }),
  );
  const s: TrainState = resume?.state ?? {
    step: 0,
    tokens: 0,
    loss: Number.NaN,
    rng: p.seed,
    weights: new Float64Array(p.dim),
    velocity: new Float64Array(p.dim),
  };
  if (resume) log.info('resuming', { step: resume.step, from: resume.source });
  let lastCheckpoint = resume
    ? { uri: ctx.store.uriFor(resume.key), step: resume.step }
    : undefined;
  const save = async () => {
    const ref = await saveCheckpoint(ctx.store, checkpointKey(prefix, s.step), s, producer);
    lastCheckpoint = { uri: ref.uri, step: s.step };
  };

  const started = Date.now();
  const startStep = s.step;
  try {
    while (s.step < p.steps) {
      await betweenSteps(ctx.signal);
      s.loss = sgdStep(s, target, p);
      s.step += 1;
      s.tokens += p.batch;
      if (s.step % p.checkpointEvery === 0 || s.step === p.steps) await save();
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      ctx.progress({
        step: s.step,
        tokens: s.tokens,
        loss: s.loss,
        tokensPerSec: ((s.step - startStep) * p.batch) / seconds,
        ...(lastCheckpoint ? { lastCheckpoint } : {}),
      });
      if (p.stepDelayMs > 0 && s.step < p.steps) await cancellableDelay(p.stepDelayMs, ctx.signal);
    }
  } catch (err) {
    if (err instanceof CancelledFailure && lastCheckpoint?.step !== s.step) {
      await save(); // steps since the last periodic checkpoint are not lost
      log.info('cancelled: checkpoint written', { step: s.step });
    }
    throw err;
  }
  const weights = await ctx.store.commitFiles(
    ctx.artifactKey('weights'),
    [
      { path: 'weights.f64', data: new Uint8Array(s.weights.buffer.slice(0)) },
      { path: 'weights.json', data: JSON.stringify(Array.from(s.weights)) },
    ],
    { producer, meta: { steps: s.step, loss: s.loss } },
  );
  return {
    outputs: { weights },
    metrics: { loss: s.loss, steps: s.step, resumedFromStep: resume?.step ?? 0 },
  };
});
