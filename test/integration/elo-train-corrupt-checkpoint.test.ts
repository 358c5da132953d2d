import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeRun } from '../../client/describe-run.js';
import { historyToTimeline } from '../../client/timeline.js';
import { initBackend } from '../../engine/backend.js';
import type { RunPipelineResult } from '../../pipeline/run-state.js';
import type { TrainingRun } from '../../reports/report-data.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';
import {
  checkpointsOf,
  FAULT_EVERY,
  FAULT_STEPS,
  faultTrainDag,
  figure,
  fileOf,
  flipBytes,
  truncateHalf,
} from '../support/train-faults.js';

/** Half an interval after the checkpoint at step 20: checkpoints 10 and 20 exist. */
const KILL_AT = 25;

describe('a killed training worker, resumed past corrupt checkpoints (real worker processes, real Temporal server)', () => {
  let h: PipelineHarness;
  const children: ChildProcess[] = [];
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('SIGKILLed mid-train: the retry resumes at the newest checkpoint; newest corrupt, then every one: it falls back with a warning naming each and why; all end with the uninterrupted weights', async () => {
    const dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'ckpt-'));
    const spec = faultTrainDag(await tinyBaseModel(dir), await tinyLanguages(dir));
    const { uri, store } = await h.fileStore();
    const queues = h.queues('corrupt-ckpt');
    const start = (runName: string) =>
      h.start({ runName, storeUri: uri, taskQueues: queues, dag: spec, useCache: false });

    /** Runs `runName` on a worker killed at KILL_AT, damages its checkpoints, resumes it. */
    const killDamageResume = async (runName: string, damage: (keys: string[]) => Promise<void>) => {
      const doomed = await startGpuWorker(queues, { ELO_FAILPOINTS: `train.step=${KILL_AT}:kill` });
      children.push(doomed);
      const handle = await start(runName);
      const [, signal] = (await once(doomed, 'exit')) as [number | null, NodeJS.Signals | null];
      assert.equal(signal, 'SIGKILL');
      const killed = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'train');
      assert.equal(killed?.state, 'running', 'the run goes on without a worker');
      const keys = await checkpointsOf(store, runName);
      assert.deepEqual(
        keys.map((k) => k.slice(-5)),
        ['00010', '00020'],
      );
      await damage(keys);
      let log = '';
      const worker = await startGpuWorker(queues, {}, (t) => (log += t));
      children.push(worker);
      // A worker that dies (today: an unhandled rejection) fails the test instead of hanging it.
      const died = once(worker, 'exit').then(([code]) => {
        throw new Error(`the resuming worker exited (${String(code)}):\n${log.slice(-4000)}`);
      });
      const result = (await Promise.race([handle.result(), died])) as RunPipelineResult;
      worker.kill('SIGTERM');
      await once(worker, 'exit');
      const timeline = historyToTimeline(await handle.fetchHistory());
      return { train: result.nodes.find((n) => n.id === 'train')!, log, timeline };
    };

    await h.withWorkers(
      queues,
      async () => {
        // Nothing damaged: at most one interval lost, the checkpoint at step 20 is the newest.
        const intact = await killDamageResume(uniqueName('ckpt-intact'), async () => {});
        assert.equal(intact.train.state, 'succeeded');
        assert.equal(intact.train.attempts, 2);
        assert.equal(intact.train.metrics['resumedFromStep'], KILL_AT - (KILL_AT % FAULT_EVERY));
        assert.equal(intact.train.metrics['steps'], FAULT_STEPS);
        // The history tells the same story: one attempt timed out (no heartbeats), the next won.
        const retried = intact.timeline.entries.find(
          (e) => e.node === 'train' && e.kind === 'retried',
        );
        assert.equal(retried?.attempt, 2);
        assert.match(retried?.detail ?? '', /heartbeat/i);

        const newest = await killDamageResume(uniqueName('ckpt-newest'), async (keys) => {
          await flipBytes(fileOf(store, keys[1]!, 'model.safetensors'));
        });
        assert.equal(newest.train.state, 'succeeded');
        assert.equal(newest.train.metrics['resumedFromStep'], FAULT_EVERY);
        assert.match(
          newest.log,
          /skipping checkpoint \S+step-00000020 \(step 20\): artifact \S+ file model\.safetensors does not match its manifest/,
        );

        const every = await killDamageResume(uniqueName('ckpt-every'), async (keys) => {
          await truncateHalf(fileOf(store, keys[0]!, 'optimizer.safetensors'));
          await flipBytes(fileOf(store, keys[1]!, 'model.safetensors'));
        });
        assert.equal(every.train.state, 'succeeded');
        assert.equal(every.train.metrics['resumedFromStep'], 0);
        assert.match(every.log, /skipping checkpoint \S+step-00000020 .*model\.safetensors/);
        assert.match(every.log, /skipping checkpoint \S+step-00000010 .*optimizer\.safetensors/);

        figure(
          `corrupt-checkpoints: killed at step ${KILL_AT}, intact -> resumed at step ` +
            `${intact.train.metrics['resumedFromStep']}; newest checkpoint (step 20) bit-flipped -> skipped with a warning, ` +
            `resumed at step ${newest.train.metrics['resumedFromStep']}; every checkpoint ` +
            `corrupt (10 truncated, 20 flipped) -> resumed at step ${every.train.metrics['resumedFromStep']}; ` +
            'all three completed bit-identical (checked below)',
        );
        const worker = await startGpuWorker(queues);
        children.push(worker);
        const reference = (await (await start(uniqueName('ckpt-reference'))).result()).nodes.find(
          (n) => n.id === 'train',
        )!;
        worker.kill('SIGTERM');
        await once(worker, 'exit');
        assert.equal(reference.metrics['resumedFromStep'], 0);
        const weights = (ref: { uri: string }) =>
          store.readFile(store.keyOf(ref.uri), 'model.safetensors');
        const want = await weights(reference.outputs['model']!);
        for (const run of [intact, newest, every]) {
          assert.ok(
            (await weights(run.train.outputs['model']!)).equals(want),
            'resumed weights differ from the uninterrupted run',
          );
          assert.equal(run.train.metrics['finalLoss'], reference.metrics['finalLoss']);
          assert.deepEqual(
            (await curveOf(store, run.train.outputs['metrics']!.uri)).map((c) => c.step),
            Array.from({ length: FAULT_STEPS }, (_, i) => i + 1),
          );
        }
      },
      { role: 'cpu' },
    );
  });
});

async function curveOf(store: ArtifactStore, uri: string) {
  const run = JSON.parse(
    (await store.readFile(store.keyOf(uri), 'training.json')).toString('utf8'),
  ) as TrainingRun;
  return run.curve;
}
