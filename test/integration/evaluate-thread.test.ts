// Evaluation runs off the worker's main thread: while an evaluate stage's thread is held in a
// synchronous wait (a failpoint standing in for a long tensor op), the same worker process runs
// another run's stage to completion; then the evaluation finishes (real Temporal server).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { gateFiles } from '../../engine/train/failpoints.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../client/describe-run.js';
import { tinyBaseModel, tinyInputNodes } from '../support/elo-fixtures.js';
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

describe('evaluate in a worker thread (real Temporal server)', () => {
  let h: PipelineHarness;
  let dir: string;
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'elo-eval-'));
  });
  after(async () => {
    delete process.env['ELO_FAILPOINTS'];
    delete process.env['ELO_FAILPOINT_GATE'];
    await h.close();
  });

  it("keeps the worker's other stages running while an evaluation's thread is busy", async () => {
    const model = await tinyBaseModel(dir);
    const evalSpec: DagSpec = {
      name: 'busy-evaluate',
      nodes: [
        ...(await tinyInputNodes(dir, model)),
        {
          id: 'evaluate-base',
          stage: 'evaluate',
          params: { label: 'base', seqLen: 32, batchSize: 2, streaming: 'never' },
          needs: { model: 'import-base.model', data: 'prepare-data.data' },
        },
      ],
    };
    const otherSpec: DagSpec = {
      name: 'meanwhile',
      nodes: [{ id: 'import-other', stage: 'import-model', params: { source: model } }],
    };
    const gateDir = path.join(dir, 'gate');
    await mkdir(gateDir);
    const gate = gateFiles('eval.progress', 1, gateDir);
    // Read by the evaluation thread when it starts (threads copy the environment then).
    process.env['ELO_FAILPOINTS'] = 'eval.progress=1:block';
    process.env['ELO_FAILPOINT_GATE'] = gateDir;
    const { uri } = await h.fileStore();
    const queues = h.queues('eval-thread');
    const evalRun = uniqueName('busy-evaluate');
    const otherRun = uniqueName('meanwhile');
    await h.withWorkers(queues, async () => {
      const busy = await h.start({
        runName: evalRun,
        storeUri: uri,
        taskQueues: queues,
        dag: evalSpec,
        useCache: false,
      });
      await waitFor('the evaluation thread to block', async () =>
        existsSync(gate.reached) ? true : undefined,
      );
      const other = await h.start({
        runName: otherRun,
        storeUri: uri,
        taskQueues: queues,
        dag: otherSpec,
        useCache: false,
      });
      await other.result();
      // The other run finished while the evaluation was still held: on the main thread the
      // blocked evaluation would have frozen the worker's event loop, and this run with it.
      assert.ok(!existsSync(gate.go), 'gate still closed');
      const evaluating = (await describeRun(h.client, evalRun)).nodes.find(
        (n) => n.id === 'evaluate-base',
      );
      assert.equal(evaluating?.state, 'running');
      const meanwhile = (await describeRun(h.client, otherRun)).nodes.find(
        (n) => n.id === 'import-other',
      );
      assert.equal(meanwhile?.state, 'succeeded');
      await writeFile(gate.go, '');
      await busy.result();
      const done = (await describeRun(h.client, evalRun)).nodes.find(
        (n) => n.id === 'evaluate-base',
      );
      assert.equal(done?.state, 'succeeded');
      assert.ok((done?.metrics['bitsPerByte.ko.validation'] ?? 0) > 0, 'evaluated');
    });
  });
});
