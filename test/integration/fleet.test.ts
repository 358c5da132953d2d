import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { showJson } from '../../cli/commands/runs.js';
import type { WorkersJson } from '../../cli/fleet-view.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../client/describe-run.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { elo } from '../support/run-elo.js';
import { uniqueName } from '../support/servers.js';

// Long enough that the test, not the training, decides when it ends (runs are terminated).
const longTraining: DagSpec = {
  name: 'fleet',
  nodes: [
    {
      id: 'train',
      stage: 'toy-train',
      params: { steps: 100_000, stepDelayMs: 20, checkpointEvery: 20 },
    },
  ],
};

type Shown = ReturnType<typeof showJson>;

async function shown(run: string): Promise<Shown['nodes'][number] | undefined> {
  const r = await elo('show', run, '--json');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Shown).nodes[0];
}

describe('operators see the fleet: elo workers, why a stage waits, dead workers (real Temporal)', () => {
  let h: PipelineHarness;
  const children: ChildProcess[] = [];
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('no poller, a busy gpu slot, who runs what, and a worker that died mid-stage', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('fleet');
    // The CLI reads the queue names like the workers do.
    process.env['ELO_CPU_QUEUE'] = queues.cpu;
    process.env['ELO_GPU_QUEUE'] = queues.gpu;
    const first = uniqueName('fleet-a');
    const second = uniqueName('fleet-b');
    await h.withWorkers(
      queues,
      async () => {
        const a = await h.start({
          runName: first,
          storeUri: uri,
          taskQueues: queues,
          dag: longTraining,
        });
        // Only a cpu worker: the training stage waits on a queue nobody polls, and says so.
        const noWorker = await waitFor('the queued stage to say no worker polls', async () => {
          const n = await shown(first);
          return n?.wait?.kind === 'no-worker' ? n.wait : undefined;
        });
        assert.match(noWorker.text, new RegExp(`^no worker polls ${queues.gpu}: start one`));

        const gpu = await startGpuWorker(queues);
        children.push(gpu);
        const identity = `${gpu.pid}@${os.hostname()}`;
        await waitFor('training under way', async () => {
          const n = (await describeRun(h.client, first)).nodes[0];
          return (n?.live?.progress?.step ?? 0) >= 2 ? n : undefined;
        });
        const b = await h.start({
          runName: second,
          storeUri: uri,
          taskQueues: queues,
          dag: longTraining,
          useCache: false,
        });
        // The second run's stage waits behind the first one's, and names it.
        const busy = await waitFor('the second stage to name the busy slot', async () => {
          const n = await shown(second);
          return n?.wait?.kind === 'slots-busy' ? n.wait : undefined;
        });
        assert.match(
          busy.text,
          new RegExp(`^gpu slot busy: ${first}/train step \\d+/100000 since \\d\\d:\\d\\d`),
        );

        // `elo workers`: the gpu worker, what it executes (run, node, attempt, step, since), the
        // queued stage behind it, both open runs.
        const listed = await elo('workers', '--json');
        assert.equal(listed.code, 0, listed.stderr);
        const fleet = JSON.parse(listed.stdout) as WorkersJson;
        const gpuQueue = fleet.queues.find((q) => q.name === queues.gpu)!;
        const worker = gpuQueue.workers.find((w) => w.identity === identity);
        assert.ok(worker, JSON.stringify(gpuQueue));
        assert.equal(worker.executing.length, 1);
        const running = worker.executing[0]!;
        assert.equal(running.run, first);
        assert.equal(running.node, 'train');
        assert.equal(running.attempt, 1);
        assert.ok((running.step ?? 0) >= 2 && running.since !== null, JSON.stringify(running));
        assert.deepEqual(
          gpuQueue.queued.map((q) => `${q.run}/${q.node}:${q.reason.kind}`),
          [`${second}/train:slots-busy`],
        );
        const open = fleet.openRuns.map((r) => r.run);
        assert.ok(open.includes(first) && open.includes(second), JSON.stringify(open));
        const text = await elo('workers');
        assert.match(
          text.stdout,
          new RegExp(`running ${first}/train \\(toy-train\\)  attempt 1  step \\d+`),
        );

        // The heartbeat names the worker (the UI shows it in the activity's details).
        const live = (await describeRun(h.client, first)).nodes[0]?.live;
        assert.equal(live?.worker, identity);

        // The worker dies mid-stage: the watch says it stopped heartbeating, and what comes next.
        gpu.kill('SIGKILL');
        await once(gpu, 'exit');
        const lost = await waitFor('the stage to say its worker stopped heartbeating', async () => {
          const n = await shown(first);
          return n?.wait && /stopped heartbeating/.test(n.wait.text) ? n.wait : undefined;
        });
        assert.match(lost.text, new RegExp(identity.replace(/[.]/g, '\\.')));
        assert.match(lost.text, /attempt 2/);

        await a.terminate('test over');
        await b.terminate('test over');
      },
      { role: 'cpu' },
    );
  });

  it('elo demo names the other runs open in its server, with the command to cancel them', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('demo-others');
    process.env['ELO_CPU_QUEUE'] = queues.cpu;
    process.env['ELO_GPU_QUEUE'] = queues.gpu;
    const other = uniqueName('left-open');
    // Left open from before: nothing polls these queues until the demo's own worker comes up.
    const left = await h.start({
      runName: other,
      storeUri: uri,
      taskQueues: queues,
      dag: {
        name: 'old',
        nodes: [{ id: 'hello', stage: 'toy-write-text', params: { text: 'x' } }],
      },
    });
    const dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'demo-'));
    const config = path.join(dir, 'tiny.json');
    const own = uniqueName('tiny-demo');
    await writeFile(
      config,
      JSON.stringify({
        name: own,
        nodes: [{ id: 'train', stage: 'toy-train', params: { steps: 5 } }],
      }),
    );
    const demo = await elo('--store', fileURLToPath(uri), 'demo', '--config', config);
    assert.equal(demo.code, 0, demo.stdout + demo.stderr);
    assert.match(demo.stdout, /1 other run\(s\) still open in this Temporal server/);
    assert.match(demo.stdout, new RegExp(`\n {2}${other} +old +since `));
    assert.match(demo.stdout, new RegExp(`npx elo cancel ${other}`));
    assert.match(demo.stdout, new RegExp(`${own}: completed`));
    // The demo's worker served the older run too, as it said it would.
    assert.equal((await left.result()).status, 'succeeded');
  });
});
