// Section 5a: the same training through the Temporal pipeline against the engine called
// directly. A real dev server (infra/), a real worker process (`workers/run-role.js all`) and the
// product's own stages: use-artifact (the base model and the prepared data, laid out as a
// prepare-data artifact and committed to the store once) -> train (fetches both verified, runs the
// engine TrainJob in a worker thread with checkpoints to the store every K steps, commits the
// trained model, its metrics and TensorBoard events). The direct runs run the TrainJob the stage
// builds from the same params (activities/elo/train-job.ts) on the local folders: runTrainJob in
// this process with only the final checkpoint and with the same K, and runTrainJobInWorker with
// the same K (the stage's training without Temporal and the store copies). Rounds interleave all
// variants so load hits them alike.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp as copyDir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { z } from 'zod';
import {
  dataArtifactMeta,
  readShardList,
  writeDataArtifactFiles,
} from '../activities/elo/data-artifact.js';
import { trainJobOf } from '../activities/elo/train-job.js';
import { runTrainJob, runTrainJobInWorker } from '../engine/train/train-job.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { startRun } from '../client/run-client.js';
import { trainParamsSchema, type TrainParams } from '../pipeline/stages/elo.js';
import { openStore } from '../storage/open-store.js';
import type { BenchData } from './bench-data.js';
import { secondHalfMean, summarize, type Summary } from './summary.js';
import { SEARCH_ATTRIBUTES } from '../pipeline/search-attributes.js';

/** What the section trains: the train stage's params as a DAG writes them, on these inputs. */
export interface OrchestrationJob {
  /** The model folder the `model` input holds (ELO: the detached one). */
  modelDir: string;
  /** prepareData's output (bench-data.ts), the `data` input once laid out as prepare-data's. */
  data: BenchData;
  /** The prepareData tokenizer (copied into the data artifact, as prepare-data does). */
  tokenizer: string;
  params: z.input<typeof trainParamsSchema>;
}

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
  job: OrchestrationJob,
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
    const params = trainParamsSchema.parse(job.params);
    const K = params.checkpointEvery;
    // Round 0 warms up every side (first XNNPACK operators, the worker's first workflow task)
    // with a short run of the same shape: the measured rounds then pay only per-run costs.
    const warmUpSteps = Math.min(params.steps, K);
    const paramsFor = (r: number) => (r > 0 ? job.params : { ...job.params, steps: warmUpSteps });

    // The stage's inputs, committed once: what import-model and prepare-data would have produced.
    const dataDir = path.join(scratch, 'data');
    await copyDir(job.data.dir, dataDir, { recursive: true });
    await writeDataArtifactFiles(dataDir, job.data.result.shards, job.tokenizer);
    const store = openStore(storeUri);
    const model = await store.commitFolder('inputs/model', job.modelDir, { producer: 'bench' });
    const data = await store.commitFolder('inputs/data', dataDir, {
      producer: 'bench',
      meta: dataArtifactMeta(job.data.result.stats),
    });
    const shards = (await readShardList(dataDir)).train;
    // Direct runs: the stage's TrainJob for the same params, on the local folders; they also
    // write the trained folder and TensorBoard events, as the stage does.
    const jobFor = (prefix: string, p: TrainParams) =>
      trainJobOf(p, {
        modelDir: job.modelDir,
        shards,
        eosTokenId: job.data.result.stats.eosTokenId,
        storeUri,
        checkpoints: prefix,
        out: path.join(scratch, 'out', prefix),
        logdir: path.join(scratch, 'tensorboard', prefix),
      });
    const dagFor = (p: OrchestrationJob['params']) => ({
      name: 'bench-orchestration',
      nodes: [
        { id: 'model', stage: 'use-artifact', params: { uri: model.uri } },
        { id: 'data', stage: 'use-artifact', params: { uri: data.uri } },
        {
          id: 'train',
          stage: 'train',
          needs: { model: 'model.artifact', data: 'data.artifact' },
          params: p,
        },
      ],
    });
    const timed = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    for (let r = 0; r <= reps; r++) {
      const raw = paramsFor(r);
      const p = trainParamsSchema.parse(raw);
      const d = await timed(() =>
        runTrainJob(jobFor(`direct/${hex()}`, { ...p, checkpointEvery: 0 })),
      );
      const dc = await timed(async () => {
        const ms: number[] = [];
        await runTrainJob(jobFor(`direct-k/${hex()}`, p), {
          onStep: (x) => void ms.push(x.timings.stepMs),
        });
        lastStepMs = secondHalfMean(ms);
      });
      const directStepMs = lastStepMs;
      const th = await timed(async () => {
        const ms: number[] = [];
        await runTrainJobInWorker(jobFor(`thread/${hex()}`, p), {
          onStep: (x) => ms.push(x.timings.stepMs),
        });
        lastStepMs = secondHalfMean(ms);
      });
      const threadStepMs = lastStepMs;
      let status = '';
      const pl = await timed(async () => {
        const handle = await startRun(client, {
          runName: `bench-orchestration-${hex()}`,
          dag: dagFor(raw),
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
          `direct + checkpoints every ${K} ${dc.toFixed(0)} ms, worker thread ${th.toFixed(0)} ms, pipeline ${pl.toFixed(0)} ms`,
      );
      if (r === 0) continue;
      times.direct.push(d);
      times.directCkpt.push(dc);
      times.thread.push(th);
      times.pipeline.push(pl);
      stepMs.direct.push(directStepMs);
      stepMs.thread.push(threadStepMs);
    }
    const s = {
      direct: summarize(times.direct),
      directCkpt: summarize(times.directCkpt),
      thread: summarize(times.thread),
      pipeline: summarize(times.pipeline),
    };
    const steps = params.steps;
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
        mode: params.mode,
        steps,
        checkpointEvery: K,
        tokensPerStep: params.batchSize * params.seqLen * params.gradAccumSteps,
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
