import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkpointKey } from '../../engine/train/checkpoint-keys.js';
import { projectRoot } from '../../infra/project-paths.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../client/describe-run.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { temporalAddress, uniqueName } from '../support/servers.js';

const CHECKPOINT_EVERY = 20;
// Progress reaches the server with the activity's heartbeats, which the SDK throttles to 4 s (80%
// of the toy stage's 5 s heartbeat timeout): the test first sees a step of ~250 (15 ms a step).
// With 300 steps, a loaded machine let the first worker finish before its SIGTERM.
const STEPS = 600;

function trainingDag(stepDelayMs: number): DagSpec {
  return {
    name: 'kill-resume',
    nodes: [
      {
        id: 'train',
        stage: 'toy-train',
        params: { steps: STEPS, dim: 32, checkpointEvery: CHECKPOINT_EVERY, stepDelayMs, seed: 7 },
      },
    ],
  };
}

async function weights(store: ArtifactStore, uri: string): Promise<Buffer> {
  return store.readFile(store.keyOf(uri), 'weights.f64');
}

// SIGKILL mid-training is tested on the train stage in elo-train-corrupt-checkpoint.test.ts.
describe('graceful worker shutdown (real worker processes, real Temporal server)', () => {
  let h: PipelineHarness;
  const children: ChildProcess[] = [];
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('SIGTERM stops a training worker gracefully: it checkpoints the current step and the run continues', async () => {
    const { uri, store } = await h.fileStore();
    const queues = h.queues('term');
    const runName = uniqueName('terminated');
    await h.withWorkers(
      queues,
      async () => {
        const first = await startGpuWorker(queues);
        children.push(first);
        const handle = await h.start({
          runName,
          storeUri: uri,
          taskQueues: queues,
          dag: trainingDag(15),
        });
        const seen = await waitFor('training under way', async () => {
          const node = (await describeRun(h.client, runName)).nodes[0];
          const step = node?.live?.progress?.step ?? 0;
          return step >= 2 * CHECKPOINT_EVERY + 5 ? node : undefined;
        });
        const seenStep = seen.live?.progress?.step ?? 0;
        first.kill('SIGTERM');
        const [code] = (await once(first, 'exit')) as [number | null];
        assert.equal(code, 0, 'the worker shuts down cleanly');

        const second = await startGpuWorker(queues);
        children.push(second);
        const result = await handle.result();
        const train = result.nodes[0];
        assert.equal(train?.state, 'succeeded');
        assert.equal(
          train?.attempts,
          2,
          `one attempt: the first worker ended the run before SIGTERM (progress seen at step ${seenStep} of ${STEPS})`,
        );
        // Resumed from the checkpoint written on cancellation: at or past the last step seen,
        // not the last periodic checkpoint.
        const resumed = train?.metrics['resumedFromStep'] ?? 0;
        assert.ok(resumed >= seenStep, `resumed from ${resumed}, progress had reached ${seenStep}`);
        // Shutdown did not wait for the training to end: the second worker had steps left.
        assert.ok(resumed < STEPS, `resumed from ${resumed} of ${STEPS}`);
        const checkpoints = (await store.list(`runs/${runName}/train/`)).filter((k) =>
          k.endsWith(checkpointKey('/checkpoints', resumed)),
        );
        assert.equal(checkpoints.length, 1);

        const clean = await h.start({
          runName: uniqueName('reference'),
          storeUri: uri,
          taskQueues: queues,
          dag: trainingDag(0),
          useCache: false,
        });
        const reference = (await clean.result()).nodes[0];
        second.kill('SIGTERM');
        await once(second, 'exit');
        const a = await weights(store, train!.outputs['weights']!.uri);
        const b = await weights(store, reference!.outputs['weights']!.uri);
        assert.ok(a.equals(b), 'resumed weights differ from the uninterrupted run');
      },
      { role: 'cpu' },
    );
  });

  it('Ctrl-C on `elo worker`: the CLI waits for the worker’s graceful shutdown and exits 0', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('ctrl-c');
    const runName = uniqueName('ctrl-c');
    await h.withWorkers(
      queues,
      async () => {
        // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group.
        const cli = spawn(
          process.execPath,
          [path.join(projectRoot, 'dist', 'cli', 'main.js'), 'worker', '--queues', 'gpu'],
          {
            env: {
              ...process.env,
              TEMPORAL_ADDRESS: temporalAddress(),
              ELO_CPU_QUEUE: queues.cpu,
              ELO_GPU_QUEUE: queues.gpu,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
          },
        );
        children.push(cli);
        let output = '';
        cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
        cli.stderr.on('data', (d: Buffer) => (output += d.toString()));
        const handle = await h.start({
          runName,
          storeUri: uri,
          taskQueues: queues,
          dag: trainingDag(15),
        });
        const seen = await waitFor('training under way', async () => {
          const node = (await describeRun(h.client, runName)).nodes[0];
          return (node?.live?.progress?.step ?? 0) >= CHECKPOINT_EVERY + 5 ? node : undefined;
        });
        process.kill(-cli.pid!, 'SIGINT');
        const [code] = (await once(cli, 'exit')) as [number | null];
        assert.equal(code, 0, output);

        // The attempt was handed back with a checkpoint: another worker finishes from there.
        const second = await startGpuWorker(queues);
        children.push(second);
        const train = (await handle.result()).nodes[0];
        const seenStep = seen.live?.progress?.step ?? 0;
        assert.equal(
          train?.attempts,
          2,
          `one attempt: the first worker ended the run before Ctrl-C (progress seen at step ${seenStep} of ${STEPS})`,
        );
        const resumed = train?.metrics['resumedFromStep'] ?? 0;
        assert.ok(resumed >= seenStep && resumed < STEPS, `resumed ${resumed}, seen ${seenStep}`);
        second.kill('SIGTERM');
        await once(second, 'exit');
      },
      { role: 'cpu' },
    );
  });
});
