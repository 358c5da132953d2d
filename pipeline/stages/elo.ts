import { z } from 'zod';
import { artifacts, defineStage } from '../stage.js';

// The ELO stages, as data the workflow bundle can import (zod only: no dataprep, engine or Node
// imports). Implementations: activities/elo/. Params that a library validates itself in full
// (prepare-data's) are checked loosely here and exactly in the activity, naming the field.

const layerList = z.array(z.number().int()).min(1);

export const importModel = defineStage({
  name: 'import-model',
  version: '1',
  queue: 'cpu',
  description:
    'Copies an HF model folder (local path or s3://) into the store under a key derived from ' +
    'its content, so an unchanged model gives the same ref and downstream caches hold.',
  params: z.object({ source: z.string().min(1) }),
  inputs: artifacts({}),
  outputs: artifacts({ model: 'required' }),
  timeouts: { startToClose: '30 minutes', heartbeat: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
  nonRetryable: ['ModelFolderError', 'HfConfigError', 'SafetensorsError'],
  // The source may change on disk without its path changing: always look (a content key keeps
  // the ref stable when it did not).
  cacheable: false,
});

export const prepareDataStage = defineStage({
  name: 'prepare-data',
  version: '1',
  queue: 'cpu',
  description:
    'Normalizes, filters, de-duplicates, splits, mixes and tokenizes per-language sources into ' +
    'token shards (dataprep.prepareData); the tokenizer comes from params.tokenizer or the ' +
    "`tokenizer` input (a model folder's tokenizer.json).",
  // Validated in full by dataprep's schema in the activity (errors name the field).
  params: z.object({
    data: z.record(z.string(), z.unknown()),
  }),
  inputs: artifacts({ tokenizer: 'optional' }),
  outputs: artifacts({ data: 'required' }),
  timeouts: { startToClose: '1 hour', heartbeat: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
  nonRetryable: ['DataPrepError', 'NotEnoughDataError', 'TokenizerError'],
  sourcesOf: prepareDataSources,
});

/** Every source file and the tokenizer that prepare-data params name (whatever their shape). */
function prepareDataSources(params: unknown): string[] {
  const data = (params as { data?: Record<string, unknown> }).data ?? {};
  const paths: string[] = [];
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const src of list as { path?: unknown }[])
      if (typeof src?.path === 'string') paths.push(src.path);
  };
  const languages = (data['languages'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const lang of Object.values(languages)) {
    add(lang?.['train']);
    for (const set of Object.values((lang?.['eval'] ?? {}) as Record<string, unknown>)) add(set);
  }
  if (typeof data['tokenizer'] === 'string') paths.push(data['tokenizer']);
  return paths;
}

export const detachStage = defineStage({
  name: 'detach',
  version: '1',
  queue: 'cpu',
  description: 'Builds the standalone model {embeddings, layers λ, final norm, head} (formats).',
  params: z.object({ layers: layerList.default([0, -1]) }),
  inputs: artifacts({ model: 'required' }),
  outputs: artifacts({ model: 'required' }),
  timeouts: { startToClose: '30 minutes', heartbeat: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
  nonRetryable: ['SurgeryError', 'ModelFolderError', 'HfConfigError'],
});

/** A from-scratch model's shape (HF config fields in camelCase); the vocabulary is the tokenizer's. */
export const modelInitSchema = z.object({
  hiddenSize: z.number().int().positive(),
  intermediateSize: z.number().int().positive(),
  numHiddenLayers: z.number().int().positive(),
  numAttentionHeads: z.number().int().positive(),
  numKeyValueHeads: z.number().int().positive(),
  maxPositionEmbeddings: z.number().int().positive().default(2048),
  ropeTheta: z.number().positive().default(10000),
  rmsNormEps: z.number().positive().default(1e-5),
  tieWordEmbeddings: z.boolean().default(true),
  initializerRange: z.number().positive().default(0.02),
});

export const trainParamsSchema = z.object({
  /** elo: every layer the (detached) model holds; full: everything; freeze-tune: `layers` in place. */
  mode: z.enum(['elo', 'full', 'freeze-tune']),
  /** freeze-tune only: the layers that train (negative from the end). */
  layers: layerList.optional(),
  /** freeze-tune only: also the layers next to these (not these): alignment's `neighbours`. */
  nextTo: layerList.optional(),
  /** Regexes over HF tensor names that train whatever their layer (e.g. every norm). */
  alsoTrain: z.array(z.string()).optional(),
  /** The report's name for this training (default: the mode), e.g. `align:neighbours`. */
  label: z.string().min(1).optional(),
  steps: z.number().int().min(1),
  /** Rows per micro-batch. */
  batchSize: z.number().int().min(1).default(8),
  seqLen: z.number().int().min(2).default(128),
  gradAccumSteps: z.number().int().min(1).default(1),
  lr: z.number().positive().default(1e-3),
  /** Floor of the cosine schedule, as a fraction of lr. */
  minLrRatio: z.number().min(0).max(1).default(0.1),
  warmupSteps: z.number().int().min(0).default(10),
  weightDecay: z.number().min(0).default(0.1),
  maxGradNorm: z.number().positive().nullable().default(1),
  seed: z.number().int().default(0),
  checkpointEvery: z.number().int().min(0).default(50),
  trainEmbeddings: z.boolean().optional(),
  trainHead: z.boolean().optional(),
  /** No input model: initialise this shape from `seed` (base-model pretraining). */
  init: modelInitSchema.optional(),
  /** Weight dtype of the output folder. */
  dtype: z.enum(['F32', 'BF16', 'F16']).default('F32'),
});
export type TrainParams = z.output<typeof trainParamsSchema>;

export const trainStage = defineStage({
  name: 'train',
  version: '1',
  queue: 'gpu',
  description:
    'Causal-LM training of a model folder on the token shards of `data`, by mode (elo, full, ' +
    'freeze-tune): heartbeats every step, checkpoints every K steps and on cancellation, ' +
    'resumes exactly; outputs the trained HF folder and its metrics (loss curve, cost).',
  params: trainParamsSchema,
  inputs: artifacts({ model: 'optional', data: 'required' }),
  outputs: artifacts({ model: 'required', metrics: 'required' }),
  // Heartbeats are throttled to 80% of this timeout: 20 s keeps `elo watch` at most 16 s behind.
  timeouts: { startToClose: '6 hours', heartbeat: '20 seconds' },
  retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '30s' },
  nonRetryable: [
    'NonFiniteLossError',
    'ShapeMismatchError',
    'CheckpointError',
    'LayerIndexError',
    'UnsupportedConfigError',
    'TrainInputError',
  ],
});

export const reintegrateStage = defineStage({
  name: 'reintegrate',
  version: '1',
  queue: 'cpu',
  description: 'Writes the trained detached layers back at their original indices (formats).',
  params: z.object({}),
  inputs: artifacts({ base: 'required', trained: 'required' }),
  outputs: artifacts({ model: 'required' }),
  timeouts: { startToClose: '30 minutes', heartbeat: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
  nonRetryable: ['SurgeryError', 'ModelFolderError', 'HfConfigError'],
});

export const evaluateStage = defineStage({
  name: 'evaluate',
  version: '1',
  queue: 'cpu',
  description:
    'Per-language held-out loss, perplexity and bits per byte on the validation and eval ' +
    'shards of `data`, and a few generated samples per language.',
  params: z.object({
    /** How the report names this model: base, elo, elo+align, full-cp, … */
    label: z.string().min(1),
    seqLen: z.number().int().min(2).default(128),
    batchSize: z.number().int().min(1).default(8),
    /** Tokens evaluated per (language, set) at most: the first documents of each set. */
    maxTokensPerSet: z.number().int().min(2).default(8192),
    /**
     * Layer by layer from the folder (memory: one layer + embedding/head) instead of the whole
     * model loaded; auto = above 2 GB of float32 weights (engine/memory-model.ts).
     */
    streaming: z.enum(['auto', 'always', 'never']).default('auto'),
    samples: z
      .object({
        perLanguage: z.number().int().min(0).default(2),
        promptTokens: z.number().int().min(1).default(8),
        maxNewTokens: z.number().int().min(1).default(24),
        topK: z.number().int().min(0).default(8),
        seed: z.number().int().default(0),
      })
      .prefault({}),
  }),
  inputs: artifacts({ model: 'required', data: 'required' }),
  outputs: artifacts({ metrics: 'required' }),
  timeouts: { startToClose: '2 hours', heartbeat: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
  nonRetryable: ['ModelFolderError', 'HfConfigError', 'UnsupportedConfigError', 'TokenIdError'],
});

/** The report's inputs by role; every one optional, so any DAG shape can be reported. */
export const REPORT_SLOTS = {
  evaluations: ['evalBase', 'evalElo', 'evalEloAlign', 'evalFullCp', 'evalFreezeTune'],
  training: ['trainElo', 'trainAlign', 'trainFullCp', 'trainFreezeTune', 'trainBase'],
} as const;

export const reportStage = defineStage({
  name: 'report',
  version: '1',
  queue: 'cpu',
  description:
    'Gathers the evaluations, training metrics and the audit timeline (run.json) into a ' +
    'markdown and self-contained HTML report.',
  params: z.object({
    baseModel: z.string().default(''),
    targetLanguage: z.string().default(''),
  }),
  inputs: artifacts({
    evalBase: 'optional',
    evalElo: 'optional',
    evalEloAlign: 'optional',
    evalFullCp: 'optional',
    evalFreezeTune: 'optional',
    trainElo: 'optional',
    trainAlign: 'optional',
    trainFullCp: 'optional',
    trainFreezeTune: 'optional',
    trainBase: 'optional',
  }),
  outputs: artifacts({ report: 'required' }),
  timeouts: { startToClose: '30 minutes', heartbeat: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

export const ELO_STAGES = [
  importModel,
  prepareDataStage,
  detachStage,
  trainStage,
  reintegrateStage,
  evaluateStage,
  reportStage,
] as const;
