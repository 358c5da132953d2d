import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { describeRun } from '../../client/describe-run.js';
import { historyToTimeline } from '../../client/timeline.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { engineTrainDag, engineTrainInputs } from '../support/engine-train-fixture.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

const EVERY = 10;
const STEPS = 120;
/** The first worker dies here, half an interval after the checkpoint at step 20. */
const KILL_AT = 25;

const modelBytes = (store: ArtifactStore, uri: string) =>
  store.readFile(store.keyOf(uri), 'model.safetensors');

describe('kill and resume with the engine (real worker processes, real Temporal server)', () => {
  let h: PipelineHarness;
  const children: ChildProcess[] = [];
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('a SIGKILLed worker mid engine-train: the run resumes from the last checkpoint and ends with the uninterrupted weights', async () => {
    const { uri, store } = await h.fileStore();
    const inputs = await engineTrainInputs(store);
    const queues = h.queues('engine');
    const runName = uniqueName('engine-killed');
    await h.withWorkers(
      queues,
      async () => {
        // The SIGKILL comes at an exact step (engine/train/failpoints.ts), not after a guessed
        // delay: how fast 120 tiny steps run depends on the machine.
        const first = await startGpuWorker(queues, {
          ELO_FAILPOINTS: `train.step=${KILL_AT}:kill`,
        });
        children.push(first);
        const handle = await h.start({
          runName,
          storeUri: uri,
          taskQueues: queues,
          dag: engineTrainDag('engine-resume', inputs, STEPS, EVERY),
        });
        const [, signal] = (await once(first, 'exit')) as [number | null, NodeJS.Signals | null];
        assert.equal(signal, 'SIGKILL');
        const killed = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'train');
        assert.equal(killed?.state, 'running', 'the run goes on without a worker');

        const second = await startGpuWorker(queues);
        children.push(second);
        const result = await handle.result();
        const train = result.nodes.find((n) => n.id === 'train');
        assert.equal(train?.state, 'succeeded');
        assert.equal(train?.attempts, 2);
        // At most one interval lost: the checkpoint at step 20 is the newest before the kill.
        assert.equal(train?.metrics['resumedFromStep'], KILL_AT - (KILL_AT % EVERY));
        assert.equal(train?.metrics['steps'], STEPS);
        // The history tells the same story: one attempt timed out (no heartbeats), the next won.
        const timeline = historyToTimeline(await handle.fetchHistory());
        const retried = timeline.entries.find((e) => e.node === 'train' && e.kind === 'retried');
        assert.equal(retried?.attempt, 2);
        assert.match(retried?.detail ?? '', /heartbeat/i);

        const clean = await h.start({
          runName: uniqueName('engine-reference'),
          storeUri: uri,
          taskQueues: queues,
          dag: engineTrainDag('engine-resume', inputs, STEPS, EVERY),
          useCache: false,
        });
        const reference = (await clean.result()).nodes.find((n) => n.id === 'train');
        second.kill('SIGTERM');
        await once(second, 'exit');
        assert.equal(reference?.metrics['resumedFromStep'], 0);
        const a = await modelBytes(store, train!.outputs['model']!.uri);
        const b = await modelBytes(store, reference!.outputs['model']!.uri);
        assert.ok(a.equals(b), 'resumed weights differ from the uninterrupted run');
        assert.equal(train?.metrics['loss'], reference?.metrics['loss']);
      },
      { role: 'cpu' },
    );
  });
});
