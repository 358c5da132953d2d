// A whole training run as one JSON-serialisable job: load the model folder, pack the shards,
// resume from the newest verified checkpoint, train, optionally save an HF folder. Runs in the
// calling thread (runTrainJob) or in a worker thread that reports steps by message
// (runTrainJobInWorker), so a Temporal activity's heartbeats never wait on tensor work.
import { openStore } from '../../storage/open-store.js';
import { retryingStore, storeRetryFromEnv } from '../../storage/retrying-store.js';
import { type BackendName, initBackend } from '../backend.js';
import { type FloatDType } from '../io/host-tensors.js';
import { loadModelFolder, saveModelFolder } from '../io/hf-folder.js';
import { loadPackedTokens } from '../io/token-shards.js';
import { type RunStats, summarizeRun } from '../stats.js';
import { runThreadJob } from '../thread-job.js';
import { PackedDataLoader } from './data-loader.js';
import { StoreCheckpointer } from './store-checkpointer.js';
import { openStepSummaries } from './tensorboard.js';
import { selectTrainable, type TrainableSelection } from './trainable.js';
import { type StepInfo, type TrainConfig, Trainer } from './trainer.js';

export interface TrainJob {
  backend?: BackendName | 'auto';
  model: { folder: string; layers?: number[] };
  data: {
    shards: string[];
    lang?: string;
    eosTokenId: number;
    seqLen: number;
    batchSize: number;
  };
  selection: TrainableSelection;
  train: TrainConfig;
  checkpoints: { storeUri: string; prefix: string; keepLast?: number };
  /** Where to write the trained model (all layers held), with the source folder's side files. */
  output?: { folder: string; dtype?: FloatDType };
  /** A folder for TensorBoard event files (native backends only; see tensorboard.ts). */
  tensorboard?: { logdir: string };
}

export interface TrainJobResult {
  resumedFrom: number | null;
  step: number;
  tokens: number;
  stopped: boolean;
  lastCheckpoint: string | null;
  lastLoss: number | null;
  stats: RunStats;
  outputFolder: string | null;
}

export interface TrainJobHooks {
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Warnings worth a log line: a checkpoint skipped on resume, and why. */
  onLog?: (line: string) => void;
  onCheckpoint?: (key: string, step: number) => void | Promise<void>;
  shouldStop?: () => boolean;
}

export async function runTrainJob(
  job: TrainJob,
  hooks: TrainJobHooks = {},
): Promise<TrainJobResult> {
  await initBackend(job.backend ? { backend: job.backend } : {});
  const model = await loadModelFolder(
    job.model.folder,
    job.model.layers ? { layers: job.model.layers } : {},
  );
  try {
    const tokens = await loadPackedTokens(
      job.data.shards,
      job.data.eosTokenId,
      job.data.lang !== undefined ? { lang: job.data.lang } : {},
    );
    // RNG and cursor come from the checkpoint (resume) before the first batch is drawn.
    const loader = new PackedDataLoader(tokens, {
      seqLen: job.data.seqLen,
      batchSize: job.data.batchSize,
      seed: job.train.seed,
      eosTokenId: job.data.eosTokenId,
    });
    const trainable = selectTrainable(
      model.weights.specs,
      model.layerIndices,
      model.config.numHiddenLayers,
      job.selection,
      model.config.tieWordEmbeddings,
    );
    const store = retryingStore(openStore(job.checkpoints.storeUri), {
      retryForMs: storeRetryFromEnv(),
      onRetry: ({ operation, error, delayMs }) =>
        hooks.onLog?.(
          `[engine] store: ${operation} failed (${(error as Error).message}); retrying in ${delayMs} ms`,
        ),
    });
    const checkpointer = new StoreCheckpointer(store, job.checkpoints.prefix, {
      ...(job.checkpoints.keepLast !== undefined ? { keepLast: job.checkpoints.keepLast } : {}),
      ...(hooks.onLog ? { log: hooks.onLog } : {}),
    });
    const trainer = new Trainer(model, loader, job.train, trainable, checkpointer);
    const summaries = job.tensorboard ? await openStepSummaries(job.tensorboard.logdir) : null;
    try {
      const resumedFrom = (await trainer.resume()) ? trainer.step : null;
      const steps: StepInfo[] = [];
      const result = await trainer.run({
        onStep: async (s) => {
          steps.push(s);
          summaries?.write(s);
          await hooks.onStep?.(s);
        },
        ...(hooks.onCheckpoint ? { onCheckpoint: hooks.onCheckpoint } : {}),
        ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
      });
      let outputFolder: string | null = null;
      if (job.output && !result.stopped) {
        await saveModelFolder(model, job.output.folder, {
          sideFilesFrom: job.model.folder,
          ...(job.output.dtype ? { dtype: job.output.dtype } : {}),
        });
        outputFolder = job.output.folder;
      }
      return { resumedFrom, ...result, stats: summarizeRun(steps), outputFolder };
    } finally {
      summaries?.close();
      trainer.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** Events from the job's thread. */
export type TrainJobEvent =
  { kind: 'step'; info: StepInfo } | { kind: 'checkpoint'; key: string; step: number };

export interface WorkerHooks {
  onStep?: (info: StepInfo) => void;
  onCheckpoint?: (key: string, step: number) => void;
  onLog?: (line: string) => void;
  /** Aborting asks the worker to stop after the current step, checkpoint and return. */
  signal?: AbortSignal;
}

/** Runs the job in a worker thread; resolves with its result, rejects with its error. */
export function runTrainJobInWorker(
  job: TrainJob,
  hooks: WorkerHooks = {},
): Promise<TrainJobResult> {
  return runThreadJob<TrainJobResult, TrainJobEvent>(
    new URL('./train-job-worker.js', import.meta.url),
    job,
    'training',
    {
      onEvent: (e) =>
        e.kind === 'step' ? hooks.onStep?.(e.info) : hooks.onCheckpoint?.(e.key, e.step),
      ...(hooks.onLog ? { onLog: hooks.onLog } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    },
  );
}
