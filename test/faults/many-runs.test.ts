// 20 tiny runs started at once on 2 worker processes (ELO_FAULT_RUNS): every run completes, none is
// lost, and every history stays far below Temporal's 10,240-event warning.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { DagSpec } from '../../pipeline/dag.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { temporalAddress, uniqueName } from '../support/servers.js';
import { figure } from '../support/train-faults.js';

const RUNS = Number(process.env['ELO_FAULT_RUNS'] ?? 20);
const HISTORY_WARNING = 10_240;

/** Run `i`'s DAG: its own params, so every run does its work instead of hitting the cache. */
const tiny = (i: number): DagSpec => ({
  name: 'many-tiny',
  nodes: [
    { id: 'hello', stage: 'toy-write-text', params: { text: `hi ${i}` } },
    { id: 'flaky', stage: 'toy-flaky', params: { failures: 1, text: `again ${i}` } },
    { id: 'join', stage: 'toy-concat', needs: { a: 'hello', b: 'flaky' } },
    { id: 'train', stage: 'toy-train', params: { steps: 20, checkpointEvery: 5, seed: i } },
  ],
});

/** An `all` worker process (workflows and both queues) on the test's queues. */
async function allWorker(queues: { cpu: string; gpu: string }): Promise<ChildProcess> {
  // Its log is kept, not printed: it would drown the suite's output (toy-flaky fails once by design).
  const worker = await startWorkerProcess({
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress(),
    ELO_CPU_QUEUE: queues.cpu,
    ELO_GPU_QUEUE: queues.gpu,
  });
  return worker.child;
}

describe('fault: many runs at once on two workers (real worker processes)', () => {
  let h: PipelineHarness;
  const children: ChildProcess[] = [];
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it(`${RUNS} runs started at once all complete, histories under the event warning`, async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('many');
    children.push(await allWorker(queues), await allWorker(queues));
    const t0 = Date.now();
    const handles = await Promise.all(
      Array.from({ length: RUNS }, (_, i) =>
        h.start({ runName: uniqueName('many'), storeUri: uri, taskQueues: queues, dag: tiny(i) }),
      ),
    );
    const results = await Promise.all(handles.map((x) => x.result()));
    const seconds = (Date.now() - t0) / 1000;
    const completed = results.filter((r) => r.nodes.every((n) => n.state === 'succeeded'));
    assert.equal(completed.length, RUNS);
    const events = await Promise.all(
      handles.map(async (x) => (await x.fetchHistory()).events?.length ?? 0),
    );
    const most = Math.max(...events);
    assert.ok(most < HISTORY_WARNING, `a history has ${most} events`);
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : null)));
    figure(
      `many-runs: ${completed.length}/${RUNS} runs started at once completed on 2 worker ` +
        `processes in ${seconds.toFixed(1)} s; largest history ${most} events ` +
        `(warning at ${HISTORY_WARNING})`,
    );
  });
});
