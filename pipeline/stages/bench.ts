import { z } from 'zod';
import { artifacts, defineStage } from '../stage.js';

/** The model shape bench-train builds (a Llama with HF's init; vocab ids are synthetic). */
const shapeSchema = z.object({
  vocabSize: z.number().int().min(2),
  hiddenSize: z.number().int().min(2),
  intermediateSize: z.number().int().min(1),
  numHiddenLayers: z.number().int().min(1),
  numAttentionHeads: z.number().int().min(1),
  numKeyValueHeads: z.number().int().min(1),
});

/**
 * The training `npm run bench` times through the pipeline against the engine called directly
 * (bench/orchestration.ts): a randomly initialised model of a given shape trained with the
 * engine's Trainer (ELO, full or freeze-tune), heartbeating every step and checkpointing to the
 * store every `checkpointEvery` steps; a retry resumes from the newest checkpoint.
 */
export const benchTrain = defineStage({
  name: 'bench-train',
  version: '1',
  queue: 'gpu',
  description:
    'Trains a randomly initialised model of a given shape with the engine, checkpointing to ' +
    'the store every checkpointEvery steps (the training the benchmark times).',
  params: z.object({
    shape: shapeSchema,
    batchSize: z.number().int().min(1),
    seqLen: z.number().int().min(2),
    method: z.enum(['elo', 'full', 'freeze-tune']),
    /** λ (negative from the end): the layers ELO keeps or freeze-tune trains. */
    layers: z.array(z.number().int()).default([0, -1]),
    steps: z.number().int().min(1),
    checkpointEvery: z.number().int().min(0),
    seed: z.number().int().default(1),
  }),
  inputs: artifacts({}),
  outputs: artifacts({ checkpoint: 'required' }),
  // A step of a large shape can hold the thread for many seconds on a loaded CPU.
  timeouts: { startToClose: '2 hours', heartbeat: '2 minutes' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
  cacheable: false, // a benchmark measures every time
});

export const BENCH_STAGES = [benchTrain] as const;
