// Section 5a: the same training through the Temporal pipeline against the engine called
// directly. A real dev server (infra/), a real worker process (`workers/run-role.js all`), a
// one-node DAG running the bench-train stage with checkpoints to the store every K steps; the
// direct runs call the stage's own training function in this process, with and without the
// checkpoints. Repetitions interleave direct and pipeline runs so load hits both alike.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { type BenchTrainParams, runBenchTraining } from '../activities/bench/train.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { startRun } from '../pipeline/run-client.js';
import { openStore } from '../storage/open-store.js';
import { summarize, type Summary } from './summary.js';

export interface OrchestrationResult {
  params: BenchTrainParams;
  storeUri: string;
  /** Wall time of the training, engine called directly, no checkpoints. */
  directMs: Summary;
  /** The same with StoreCheckpointer writes every K steps. */
  directCheckpointMs: Summary;
  /** Client side: startRun -> result, through server, executor workflow and worker. */
  pipelineMs: Summary;
  /** Inside the worker: the training loop (checkpoints included) and the checkpoint writes. */
  pipelineLoopMs: Summary;
  pipelineCheckpointMs: Summary;
  checkpoints: number;
  /** pipeline / direct - 1 (medians): what the pipeline adds to the bare training. */
  overhead: number;
  /** Of that, checkpoint writes (direct with checkpoints / direct - 1). */
  checkpointOverhead: number;
  /** And Temporal itself (pipeline / direct with checkpoints - 1). */
  temporalOverhead: number;
  workerStartMs: number;
  serverStartMs: number;
}

export async function measureOrchestration(
  params: BenchTrainParams,
  reps: number,
  log: (line: string) => void,
): Promise<OrchestrationResult> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-orch-'));
  const storeUri = path.join(scratch, 'store');
  const store = openStore(storeUri);
  const queues = {
    cpu: `bench-cpu-${randomBytes(4).toString('hex')}`,
    gpu: `bench-gpu-${randomBytes(4).toString('hex')}`,
  };
  let t0 = performance.now();
  const server = await startTemporalDevServer({
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
    const direct: number[] = [];
    const directCkpt: number[] = [];
    const pipeline: number[] = [];
    const loop: number[] = [];
    const ckpt: number[] = [];
    let checkpoints = 0;
    // Round 0 warms up both sides (first XNNPACK operators, the worker's first workflow task).
    for (let r = 0; r <= reps; r++) {
      let t = performance.now();
      await runBenchTraining(params, null);
      const d = performance.now() - t;
      t = performance.now();
      await runBenchTraining(params, { store, prefix: `direct/rep-${r}` });
      const dc = performance.now() - t;
      t = performance.now();
      const handle = await startRun(client, {
        runName: `bench-orchestration-${randomBytes(4).toString('hex')}-${r}`,
        dag: {
          name: 'bench-orchestration',
          nodes: [{ id: 'train', stage: 'bench-train', params }],
        },
        storeUri,
        taskQueues: queues,
        useCache: false,
      });
      const result = await handle.result();
      const p = performance.now() - t;
      const node = result.nodes[0]!;
      if (result.status !== 'succeeded' || node.state !== 'succeeded') {
        throw new Error(
          `pipeline run ${result.runName} ended ${result.status}: ${node.error ?? ''}`,
        );
      }
      log(
        `orchestration round ${r}${r === 0 ? ' (warm-up)' : ''}: direct ${d.toFixed(0)} ms, direct+checkpoints ${dc.toFixed(0)} ms, pipeline ${p.toFixed(0)} ms`,
      );
      if (r === 0) continue;
      direct.push(d);
      directCkpt.push(dc);
      pipeline.push(p);
      loop.push(node.metrics['loopMs']!);
      ckpt.push(node.metrics['checkpointMs']!);
      checkpoints = node.metrics['checkpoints']!;
    }
    const s = {
      direct: summarize(direct),
      directCkpt: summarize(directCkpt),
      pipeline: summarize(pipeline),
    };
    return {
      params,
      storeUri: 'file:// (a temporary folder)',
      directMs: s.direct,
      directCheckpointMs: s.directCkpt,
      pipelineMs: s.pipeline,
      pipelineLoopMs: summarize(loop),
      pipelineCheckpointMs: summarize(ckpt),
      checkpoints,
      overhead: s.pipeline.median / s.direct.median - 1,
      checkpointOverhead: s.directCkpt.median / s.direct.median - 1,
      temporalOverhead: s.pipeline.median / s.directCkpt.median - 1,
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
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}
