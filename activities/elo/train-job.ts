// The engine's TrainJob for a train stage's params: one builder, used by the activity and by the
// bench's direct runs (bench/orchestration.ts), so "the stage's training without the pipeline"
// cannot drift from what the stage runs.
import { DEFAULT_ADAMW } from '../../engine/index.js';
import type { TrainJob } from '../../engine/train/train-job.js';
import type { TrainParams } from '../../pipeline/stages/elo.js';
import { trainSelection } from './stage-memory.js';

/** Where one training reads and writes: local folders and the run's checkpoint prefix. */
export interface TrainJobPlaces {
  modelDir: string;
  /** The data artifact's train shards (absolute paths). */
  shards: string[];
  eosTokenId: number;
  storeUri: string;
  /** Store key prefix of the checkpoints. */
  checkpoints: string;
  /** The trained HF folder. */
  out: string;
  /** TensorBoard event files. */
  logdir: string;
}

/** The engine's TrainJob for the stage's (parsed) params. */
export function trainJobOf(p: TrainParams, at: TrainJobPlaces): TrainJob {
  return {
    model: { folder: at.modelDir },
    data: {
      shards: at.shards,
      eosTokenId: at.eosTokenId,
      seqLen: p.seqLen,
      batchSize: p.batchSize,
    },
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
    checkpoints: { storeUri: at.storeUri, prefix: at.checkpoints, keepLast: 2 },
    output: { folder: at.out, dtype: p.dtype },
    tensorboard: { logdir: at.logdir },
  };
}
