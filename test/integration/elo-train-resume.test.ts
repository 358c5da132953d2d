import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { initBackend } from '../../engine/backend.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../client/describe-run.js';
import type { TrainingRun } from '../../reports/report-data.js';
import { TOKENIZER, tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

const STEPS = 40;
const EVERY = 10;

function dag(model: string, languages: unknown): DagSpec {
  return {
    name: 'elo-train-resume',
    nodes: [
      { id: 'import-base', stage: 'import-model', params: { source: model } },
      {
        id: 'prepare-data',
        stage: 'prepare-data',
        params: {
          data: { languages, target: 'ko', tokenizer: TOKENIZER, seqLen: 32, tokenBudget: 3000 },
        },
      },
      {
        id: 'train',
        stage: 'train',
        // Heartbeats are throttled to 80 % of the timeout: short here, so progress shows at once.
        options: { heartbeatTimeout: '2s' },
        params: {
          mode: 'full',
          steps: STEPS,
          batchSize: 2,
          seqLen: 32,
          checkpointEvery: EVERY,
          warmupSteps: 2,
          seed: 3,
        },
        needs: { model: 'import-base.model', data: 'prepare-data.data' },
      },
    ],
  };
}

describe('the train stage: cancelled mid-run, resumed (real Temporal server)', () => {
  let h: PipelineHarness;
  let dir: string;
  before(async () => {
    await initBackend({ backend: 'tensorflow', log: () => {} });
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'elo-resume-'));
  });
  after(async () => {
    await h.close();
  });

  it('checkpoints on cancellation, resumes there when re-submitted, keeps the whole loss curve and ends with the uninterrupted weights', async () => {
    const spec = dag(await tinyBaseModel(dir), await tinyLanguages(dir));
    const { uri, store } = await h.fileStore();
    const queues = h.queues('elo-resume');
    const runName = uniqueName('elo-resume');
    const start = (name: string, useCache = true) =>
      h.start({ runName: name, storeUri: uri, taskQueues: queues, dag: spec, useCache });
    await h.withWorkers(queues, async () => {
      // The first attempt holds after its second checkpoint until cancelled
      // (engine/train/failpoints.ts), so the test never races the training speed.
      process.env['ELO_FAILPOINTS'] = `train.checkpoint=${2 * EVERY}:hold`;
      const first = await start(runName);
      // A ceiling for a state the failpoint makes certain, not a speed limit: data prep and 20
      // steps on a loaded CI machine.
      const seen = await waitFor(
        'training held at its second checkpoint',
        async () => {
          const node = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'train');
          return node?.live?.progress?.lastCheckpoint?.step === 2 * EVERY ? node : undefined;
        },
        300_000,
      );
      delete process.env['ELO_FAILPOINTS'];
      assert.equal(seen.live?.progress?.totalSteps, STEPS);
      await first.cancel();
      await assert.rejects(first.result(), WorkflowFailedError);
      const cancelled = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'train');
      assert.equal(cancelled?.state, 'cancelled');

      // Re-submitted: data from the cache, training from the cancellation checkpoint.
      const result = await (await start(runName)).result();
      const train = result.nodes.find((n) => n.id === 'train')!;
      assert.equal(result.nodes.find((n) => n.id === 'prepare-data')?.state, 'cached');
      const resumed = train.metrics['resumedFromStep']!;
      assert.equal(resumed, 2 * EVERY);
      assert.equal(train.metrics['steps'], STEPS);
      const run = JSON.parse(
        (
          await store.readFile(store.keyOf(train.outputs['metrics']!.uri), 'training.json')
        ).toString('utf8'),
      ) as TrainingRun;
      assert.deepEqual(
        run.curve.map((c) => c.step),
        Array.from({ length: STEPS }, (_, i) => i + 1),
      );

      const reference = (
        await (await start(uniqueName('elo-reference'), false)).result()
      ).nodes.find((n) => n.id === 'train')!;
      assert.equal(reference.metrics['resumedFromStep'], 0);
      const weights = async (ref: { uri: string }) =>
        store.readFile(store.keyOf(ref.uri), 'model.safetensors');
      assert.ok(
        (await weights(train.outputs['model']!)).equals(await weights(reference.outputs['model']!)),
        'resumed weights differ from the uninterrupted run',
      );
      assert.equal(train.metrics['finalLoss'], reference.metrics['finalLoss']);
    });
  });
});
