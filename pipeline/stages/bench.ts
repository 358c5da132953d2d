import { z } from 'zod';
import { artifacts, defineStage } from '../stage.js';

/**
 * The engine's TrainJob (engine/train/train-job.ts) minus its checkpoint location, which the
 * stage sets to its own artifact key. Paths are local to the worker: a benchmark stage, run where
 * its inputs were prepared.
 */
const trainJobSchema = z.object({
  model: z.object({ folder: z.string(), layers: z.array(z.number().int()).optional() }),
  data: z.object({
    shards: z.array(z.string()).min(1),
    lang: z.string().optional(),
    eosTokenId: z.number().int(),
    seqLen: z.number().int().min(2),
    batchSize: z.number().int().min(1),
  }),
  selection: z.looseObject({ mode: z.enum(['elo', 'full', 'freeze-tune']) }),
  train: z.looseObject({
    totalSteps: z.number().int().min(1),
    checkpointEvery: z.number().int().min(0),
  }),
});

/**
 * The training `npm run bench` times through the pipeline against the engine called directly
 * (bench/orchestration.ts): an engine TrainJob run in a worker thread (as training stages run,
 * so heartbeats never wait on tensor work), heartbeating every step and checkpointing to the
 * store every `train.checkpointEvery` steps; a retry resumes from the newest checkpoint.
 */
export const benchTrain = defineStage({
  name: 'bench-train',
  version: '1',
  queue: 'gpu',
  description:
    'Runs an engine TrainJob in a worker thread with checkpoints in the store (the training ' +
    'the benchmark times through the pipeline).',
  params: z.object({ job: trainJobSchema }),
  inputs: artifacts({}),
  outputs: artifacts({ checkpoint: 'required' }),
  timeouts: { startToClose: '2 hours', heartbeat: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
  cacheable: false, // a benchmark measures every time
});

export const BENCH_STAGES = [benchTrain] as const;
