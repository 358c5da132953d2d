// Section 5a: the same training through the Temporal pipeline against the engine called
// directly. A real dev server (infra/), a real worker process (`workers/run-role.js all`) and the
// project's own stages: use-artifact (the base model and the token shards, committed to the store
// once) -> engine-train (fetches both verified, runs the engine TrainJob in a worker thread with
// checkpoints to the store every K steps, commits the trained model). The direct runs call the
// engine's runTrainJob in this process on the local folders, with only the final checkpoint and
// with the same K, and runTrainJobInWorker with the same K (the stage's training without
// Temporal and the store copies). Rounds interleave all variants so load hits them alike.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { runTrainJob, runTrainJobInWorker, type TrainJob } from '../engine/train/train-job.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { startRun } from '../client/run-client.js';
import { openStore } from '../storage/open-store.js';
import { secondHalfMean, summarize, type Summary } from './summary.js';
import { SEARCH_ATTRIBUTES } from '../pipeline/search-attributes.js';

export type BenchJob = Omit<TrainJob, 'checkpoints'>;

export interface OrchestrationResult {
  job: {
    label: string;
    mode: string;
    steps: number;
    checkpointEvery: number;
    tokensPerStep: number;
  };
  /** Engine called directly (runTrainJob in this thread), only the final checkpoint. */
  directMs: Summary;
  /** The same with a checkpoint every K steps. */
  directCheckpointMs: Summary;
  /** runTrainJobInWorker with a checkpoint every K steps: the stage's training without Temporal. */
  workerThreadMs: Summary;
  /** Client side: startRun -> result (server, executor workflow, worker process, input fetch, output commit). */
  pipelineMs: Summary;
  /** pipeline / direct - 1 (medians): what the pipeline adds to the bare training. */
  overhead: number;
  /** Parts: checkpoints every K steps; the worker thread; Temporal (pipeline vs worker thread). */
  checkpointOverhead: number;
  workerThreadOverhead: number;
  temporalOverhead: number;
  /** Steady state (second half of the steps): direct vs in a worker thread, as the stage runs it. */
  perStep: { directMs: Summary; threadMs: Summary; overhead: number };
  /** Per-run time outside the steps (start-up, loading, checkpoints, scheduling, copies). */
  fixedMs: { direct: number; pipeline: number };
  /** Steps from which the whole-run overhead falls to 5% (null: the per-step overhead alone exceeds it). */
  stepsFor5Percent: number | null;
  workerStartMs: number;
  serverStartMs: number;
}

export async function measureOrchestration(
  job: BenchJob,
  reps: number,
  log: (line: string) => void,
  /** What is trained, for the report (e.g. ELO {0,7}, detached). */
  label: string,
): Promise<OrchestrationResult> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-orch-'));
  const storeUri = path.join(scratch, 'store');
  const hex = () => randomBytes(4).toString('hex');
  const queues = { cpu: `bench-cpu-${hex()}`, gpu: `bench-gpu-${hex()}` };
  let t0 = performance.now();
  const server = await startTemporalDevServer({
    searchAttributes: SEARCH_ATTRIBUTES,
    dbFile: path.join(scratch, 'temporal.db'),
    ui: false,
    log,
  });
  const serverStartMs = performance.now() - t0;
  let worker: ChildProcess | undefined;
  let connection: Connection | undefined;
  try {
    t0 = performance.now();
    worker = await startWorker(server.address, queues, log);
    const workerStartMs = performance.now() - t0;
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const times = {
      direct: [] as number[],
      directCkpt: [] as number[],
      thread: [] as number[],
      pipeline: [] as number[],
    };
    const stepMs = { direct: [] as number[], thread: [] as number[] };
    let lastStepMs = NaN;
    const K = job.train.checkpointEvery;
    // Round 0 warms up every side (first XNNPACK operators, the worker's first workflow task)
    // with a short run of the same shape: the measured rounds then pay only per-run costs.
    const warmUpSteps = Math.min(job.train.totalSteps, K);
    const trainFor = (r: number): TrainJob['train'] =>
      r > 0
        ? job.train
        : {
            ...job.train,
            totalSteps: warmUpSteps,
            schedule: { ...job.train.schedule, totalSteps: warmUpSteps },
          };
    // Direct runs also write the trained folder, as the stage does.
    const withK = (prefix: string, train: TrainJob['train']): TrainJob => ({
      ...job,
      train,
      checkpoints: { storeUri, prefix, keepLast: 2 },
      output: { folder: path.join(scratch, 'out', prefix) },
    });
    // The stage's inputs, committed once: what an upstream stage would have produced.
    const store = openStore(storeUri);
    const shardDir = path.dirname(job.data.shards[0]!);
    const model = await store.commitFolder('inputs/model', job.model.folder, { producer: 'bench' });
    const shards = await store.commitFolder('inputs/shards', shardDir, { producer: 'bench' });
    const { shards: _files, ...data } = job.data; // the stage takes the shards as an input
    const dagFor = (train: TrainJob['train']) => ({
      name: 'bench-orchestration',
      nodes: [
        { id: 'model', stage: 'use-artifact', params: { uri: model.uri } },
        { id: 'shards', stage: 'use-artifact', params: { uri: shards.uri } },
        {
          id: 'train',
          stage: 'engine-train',
          needs: { model: 'model', shards: 'shards' },
          params: {
            ...(job.model.layers ? { layers: job.model.layers } : {}),
            data,
            selection: job.selection,
            train,
            keepLastCheckpoints: 2,
          },
        },
      ],
    });
    const timed = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    for (let r = 0; r <= reps; r++) {
      const train = trainFor(r);
      const d = await timed(() =>
        runTrainJob(withK(`direct/${hex()}`, { ...train, checkpointEvery: 0 })),
      );
      const dc = await timed(async () => {
        const ms: number[] = [];
        await runTrainJob(withK(`direct-k/${hex()}`, train), {
          onStep: (x) => void ms.push(x.timings.stepMs),
        });
        lastStepMs = secondHalfMean(ms);
      });
      const directStepMs = lastStepMs;
      const th = await timed(async () => {
        const ms: number[] = [];
        await runTrainJobInWorker(withK(`thread/${hex()}`, train), {
          onStep: (x) => ms.push(x.timings.stepMs),
        });
        lastStepMs = secondHalfMean(ms);
      });
      const threadStepMs = lastStepMs;
      let status = '';
      const p = await timed(async () => {
        const handle = await startRun(client, {
          runName: `bench-orchestration-${hex()}`,
          dag: dagFor(train),
          storeUri,
          taskQueues: queues,
          useCache: false,
        });
        const result = await handle.result();
        status =
          result.status === 'succeeded'
            ? ''
            : `${result.status}: ${result.nodes.map((n) => n.error ?? '').join(' ')}`;
      });
      if (status) throw new Error(`pipeline run ended ${status}`);
      log(
        `orchestration round ${r}${r === 0 ? ` (warm-up, ${warmUpSteps} steps)` : ''}: direct ${d.toFixed(0)} ms, ` +
          `direct + checkpoints every ${K} ${dc.toFixed(0)} ms, worker thread ${th.toFixed(0)} ms, pipeline ${p.toFixed(0)} ms`,
      );
      if (r === 0) continue;
      times.direct.push(d);
      times.directCkpt.push(dc);
      times.thread.push(th);
      times.pipeline.push(p);
      stepMs.direct.push(directStepMs);
      stepMs.thread.push(threadStepMs);
    }
    const s = {
      direct: summarize(times.direct),
      directCkpt: summarize(times.directCkpt),
      thread: summarize(times.thread),
      pipeline: summarize(times.pipeline),
    };
    const steps = job.train.totalSteps;
    const perStep = { directMs: summarize(stepMs.direct), threadMs: summarize(stepMs.thread) };
    const perStepOverhead = perStep.threadMs.median / perStep.directMs.median - 1;
    // Against the direct run with the same checkpoints: the part a longer run does not dilute.
    const fixed = {
      direct: s.directCkpt.median - steps * perStep.directMs.median,
      pipeline: s.pipeline.median - steps * perStep.threadMs.median,
    };
    const extraFixed = fixed.pipeline - fixed.direct;
    const room = 0.05 - perStepOverhead;
    return {
      perStep: { ...perStep, overhead: perStepOverhead },
      fixedMs: fixed,
      stepsFor5Percent:
        room > 0 ? Math.ceil(Math.max(0, extraFixed) / (room * perStep.directMs.median)) : null,
      job: {
        label,
        mode: job.selection.mode,
        steps: job.train.totalSteps,
        checkpointEvery: K,
        tokensPerStep: job.data.batchSize * job.data.seqLen,
      },
      directMs: s.direct,
      directCheckpointMs: s.directCkpt,
      workerThreadMs: s.thread,
      pipelineMs: s.pipeline,
      overhead: s.pipeline.median / s.direct.median - 1,
      checkpointOverhead: s.directCkpt.median / s.direct.median - 1,
      workerThreadOverhead: s.thread.median / s.directCkpt.median - 1,
      temporalOverhead: s.pipeline.median / s.thread.median - 1,
      workerStartMs,
      serverStartMs,
    };
  } finally {
    await connection?.close();
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `node dist/workers/run-role.js all` on private task queues; resolves once it polls. */
async function startWorker(
  address: string,
  queues: { cpu: string; gpu: string },
  log: (line: string) => void,
): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('../workers/run-role.js', import.meta.url));
  const child = spawn(process.execPath, [script, 'all'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      ELO_CPU_QUEUE: queues.cpu,
      ELO_GPU_QUEUE: queues.gpu,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start in 180 s:\n${output}`)),
      180_000,
    );
    child.stdout!.on('data', (b: Buffer) => {
      output += b.toString();
      if (output.includes('elo all worker:')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${output}`));
    });
  });
  log('worker started');
  return child;
}
