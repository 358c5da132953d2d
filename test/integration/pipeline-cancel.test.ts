import { CancelledFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeRun } from '../../client/describe-run.js';
import { runManifestKey, type RunManifest } from '../../pipeline/run-state.js';
import { nodesQuery } from '../../pipeline/run-state.js';
import { PipelineHarness, runFailure, waitFor } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

describe('pipeline cancellation (real Temporal server)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    await h.close();
  });

  it('cancels mid-training: the stage writes a checkpoint, nodes end cancelled', async () => {
    const { uri, store } = await h.fileStore();
    const queues = h.queues('cancel');
    const runName = uniqueName('cancel');
    const { failure, view, progressStep } = await h.withWorkers(queues, async () => {
      const handle = await h.start({
        runName,
        storeUri: uri,
        taskQueues: queues,
        dag: {
          name: 'train-then-report',
          nodes: [
            {
              id: 'train',
              stage: 'toy-train',
              params: { steps: 2000, stepDelayMs: 20, checkpointEvery: 1000 },
            },
            { id: 'report', stage: 'toy-concat', needs: { a: 'train.weights' } },
          ],
        },
      });
      // Live progress comes from the pending activity's heartbeat details, not the store.
      const live = await waitFor('training progress', async () => {
        const d = await describeRun(h.client, runName);
        const train = d.nodes.find((n) => n.id === 'train');
        const step = train?.live?.progress?.step ?? 0;
        return step >= 15 ? train : undefined;
      });
      assert.equal(live.state, 'running');
      assert.equal(live.live?.attempt, 1);
      assert.ok((live.live?.progress?.tokensPerSec ?? 0) > 0);
      assert.ok(Number.isFinite(live.live?.progress?.loss));
      await handle.cancel();
      const failed = await runFailure(handle);
      return {
        failure: failed,
        view: await handle.query(nodesQuery),
        progressStep: live.live?.progress?.step ?? 0,
      };
    });
    assert.ok(failure.cause instanceof CancelledFailure, String(failure.cause));
    assert.deepEqual(
      view.nodes.map((n) => [n.id, n.state]),
      [
        ['train', 'cancelled'],
        ['report', 'cancelled'],
      ],
    );
    assert.equal(view.status, 'cancelled');

    // The cancellation checkpoint: committed, at a step past what progress showed, before 1000.
    const trainKey = (await store.list(`runs/${runName}/train/`)).filter((k) =>
      k.includes('/checkpoints/step-'),
    );
    assert.equal(trainKey.length, 1, trainKey.join(', '));
    const meta = JSON.parse(
      (await store.readFile(trainKey[0]!, 'state.json')).toString('utf8'),
    ) as {
      step: number;
    };
    assert.ok(meta.step >= progressStep && meta.step < 1000, `checkpoint at step ${meta.step}`);

    const manifest = JSON.parse(
      (await store.readDocument(runManifestKey(runName)))!.toString('utf8'),
    ) as RunManifest;
    assert.equal(manifest.status, 'cancelled');
    assert.deepEqual(
      manifest.nodes.map((n) => n.state),
      ['cancelled', 'cancelled'],
    );
  });
});
