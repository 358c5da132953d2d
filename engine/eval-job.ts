// A whole evaluation as one JSON-serialisable job: held-out NLL of token sets and sample
// generations, with the model loaded whole or streamed layer by layer from its folder. Runs in
// the calling thread (runEvalJob) or in a worker thread (runEvalJobInWorker), so a Temporal
// activity's heartbeats, and the worker's other activities, never wait on its tensor work.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type BackendName, initBackend } from './backend.js';
import { evaluate, type EvalResult } from './eval.js';
import { generate } from './generate.js';
import { loadModelFolder } from './io/hf-folder.js';
import { withLayerStream } from './streaming/layer-stream.js';
import { evaluateFolderStreaming } from './streaming/streaming-eval.js';
import { generateFolderStreaming, type StreamingPrompt } from './streaming/streaming-generate.js';
import { runThreadJob } from './thread-job.js';

export interface EvalJobSet {
  sequences: Uint32Array[];
  /** UTF-8 bytes of the set's text: enables bitsPerByte. */
  bytes: number;
}

export interface EvalJob {
  backend?: BackendName | 'auto';
  modelDir: string;
  /** Stream the model layer by layer (bounded memory) instead of loading it whole. */
  streaming: boolean;
  seqLen: number;
  batchSize: number;
  sets: EvalJobSet[];
  prompts: StreamingPrompt[];
}

export interface EvalJobResult {
  /** One per set, in order. */
  results: EvalResult[];
  /** Prompt + generated ids, one per prompt, in order. */
  generations: number[][];
}

export interface EvalJobHooks {
  /** Sets done (in memory) or layers done (streaming), of `total`. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

async function inMemory(job: EvalJob, hooks: EvalJobHooks): Promise<EvalJobResult> {
  const model = await loadModelFolder(job.modelDir);
  try {
    const results: EvalResult[] = [];
    for (const s of job.sets) {
      hooks.signal?.throwIfAborted();
      results.push(
        await evaluate(model, s.sequences, {
          seqLen: job.seqLen,
          batchSize: job.batchSize,
          bytes: s.bytes,
        }),
      );
      hooks.onProgress?.(results.length, job.sets.length);
    }
    const generations: number[][] = [];
    for (const q of job.prompts) {
      await nextTurn(); // lets a 'stop' message in
      hooks.signal?.throwIfAborted();
      generations.push(generate(model, q.prompt, q.opts));
    }
    return { results, generations };
  } finally {
    model.dispose();
  }
}

/**
 * Every set in one pass over the layers; every sample prompt in one batch per new token. One
 * stream for both: the embedding and head load once, not again for generation.
 */
async function streamed(job: EvalJob, hooks: EvalJobHooks): Promise<EvalJobResult> {
  const signal = hooks.signal ? { signal: hooks.signal } : {};
  return withLayerStream(job.modelDir, async (stream) => {
    const results = await evaluateFolderStreaming(stream, job.sets, {
      seqLen: job.seqLen,
      batchSize: job.batchSize,
      ...signal,
      ...(hooks.onProgress ? { onLayer: hooks.onProgress } : {}),
    });
    const generations =
      job.prompts.length === 0 ? [] : await generateFolderStreaming(stream, job.prompts, signal);
    return { results, generations };
  });
}

export async function runEvalJob(job: EvalJob, hooks: EvalJobHooks = {}): Promise<EvalJobResult> {
  await initBackend(job.backend ? { backend: job.backend, log: () => {} } : { log: () => {} });
  return job.streaming ? streamed(job, hooks) : inMemory(job, hooks);
}

/** Events from the job's thread. */
export interface EvalJobEvent {
  done: number;
  total: number;
}

/** Runs the job in a worker thread; resolves with its result, rejects with its error. */
export function runEvalJobInWorker(job: EvalJob, hooks: EvalJobHooks = {}): Promise<EvalJobResult> {
  return runThreadJob<EvalJobResult, EvalJobEvent>(
    new URL('./eval-job-worker.js', import.meta.url),
    job,
    'evaluation',
    {
      onEvent: (e) => hooks.onProgress?.(e.done, e.total),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    },
  );
}
