import { z } from 'zod';
import { artifacts, defineStage } from '../stage.js';

// Mirrors engine/train TrainConfig; defaults as the engine's DEFAULT_ADAMW (pipeline/ is bundled
// into workflows, so it cannot import the engine, which loads tfjs).
const TrainConfigSchema = z.object({
  seed: z.number().int(),
  totalSteps: z.number().int().min(1),
  gradAccumSteps: z.number().int().min(1).default(1),
  schedule: z.object({
    peakLr: z.number().positive(),
    minLr: z.number().min(0),
    warmupSteps: z.number().int().min(0),
    totalSteps: z.number().int().min(1),
  }),
  adamw: z
    .object({
      beta1: z.number().default(0.9),
      beta2: z.number().default(0.95),
      eps: z.number().default(1e-8),
      weightDecay: z.number().min(0).default(0.1),
    })
    .prefault({}),
  /** null: no clipping. */
  maxGradNorm: z.number().positive().nullable().default(1),
  /** Every K updates (0: only when stopping or finishing). */
  checkpointEvery: z.number().int().min(0).default(50),
});

/**
 * Trains a model folder on token shards with the engine (in a worker thread, so heartbeats and
 * cancellation keep flowing): resumes from the newest verified checkpoint under the node's
 * `checkpoints/` prefix, checkpoints every K updates and when cancelled, and commits the trained
 * HF folder. `selection` picks ELO (detached layers), full or freeze-tune training.
 */
export const engineTrain = defineStage({
  name: 'engine-train',
  version: '1',
  queue: 'gpu',
  params: z.object({
    backend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).optional(),
    /** Layers of the full model to load (detached training); default all. */
    layers: z.array(z.number().int()).optional(),
    data: z.object({
      eosTokenId: z.number().int().min(0),
      seqLen: z.number().int().min(2),
      batchSize: z.number().int().min(1),
      lang: z.string().optional(),
      /** Folder inside the shards artifact whose .bin files to use (default: all). */
      subdir: z.string().optional(),
    }),
    selection: z.object({
      mode: z.enum(['elo', 'full', 'freeze-tune']),
      layers: z.array(z.number().int()).optional(),
      include: z.array(z.string()).optional(),
      exclude: z.array(z.string()).optional(),
      trainEmbeddings: z.boolean().optional(),
      trainHead: z.boolean().optional(),
    }),
    train: TrainConfigSchema,
    keepLastCheckpoints: z.number().int().min(1).optional(),
    outputDtype: z.enum(['F32', 'BF16', 'F16']).optional(),
  }),
  inputs: artifacts({ model: 'required', shards: 'required' }),
  outputs: artifacts({ model: 'required' }),
  timeouts: { startToClose: '24 hours', heartbeat: '30 seconds' },
  retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '1 minute' },
  nonRetryable: [
    'UnsupportedConfigError',
    'LayerIndexError',
    'ShapeMismatchError',
    'TokenIdError',
    'NonFiniteLossError',
    'HfConfigError',
    'TokenShardError',
  ],
});
