import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RUN_EXIT_CODES } from '../../cli/errors.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { pipelineStartOptions } from '../../client/run-client.js';
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { elo } from '../support/run-elo.js';
import { temporalAddress, uniqueName } from '../support/servers.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** One node that writes text after `delayMs` (long: the run is still going when ended). */
const slow = (delayMs: number): DagSpec => ({
  name: 'exit-slow',
  nodes: [{ id: 'wait', stage: 'toy-write-text', params: { text: 'x', delayMs } }],
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('exit codes: 0 only for a completed run (built CLI, real Temporal server)', () => {
  let h: PipelineHarness;
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? '/tmp', 'exit-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('run --watch and watch exit 0 completed, 3 failed, 4 cancelled, 5 terminated, 6 timed out', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('exit');
    process.env['ELO_CPU_QUEUE'] = queues.cpu;
    process.env['ELO_GPU_QUEUE'] = queues.gpu;
    const store = fileURLToPath(uri);
    const config = async (name: string, dag: DagSpec) => {
      const file = path.join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(dag));
      return file;
    };
    const start = (dag: DagSpec, extra: { workflowExecutionTimeout?: string } = {}) => {
      const runName = uniqueName('exit');
      return h.client.workflow.start('runPipeline', {
        ...pipelineStartOptions({ runName, dag, storeUri: uri, taskQueues: queues }),
        ...extra,
      });
    };
    await h.withWorkers(queues, async () => {
      const ok = await config('ok', slow(0));
      const completed = await elo(
        '--store',
        store,
        'run',
        ok,
        '--name',
        uniqueName('ok'),
        '--watch',
      );
      assert.equal(completed.code, 0, completed.stderr);
      const watched = await elo('watch', completed.stdout.split('\n')[0]!);
      assert.equal(watched.code, 0, watched.stderr);

      const rejecting = await config('reject', {
        name: 'exit-reject',
        nodes: [{ id: 'no', stage: 'toy-reject', params: { reason: 'by design' } }],
      });
      const name = uniqueName('failed');
      const failed = await elo('--store', store, 'run', rejecting, '--name', name, '--watch');
      assert.equal(failed.code, RUN_EXIT_CODES['FAILED'], failed.stderr);
      assert.match(failed.stderr, new RegExp(`run ${name} ended failed`));
      assert.equal((await elo('watch', name)).code, RUN_EXIT_CODES['FAILED']);

      const cancelled = await start(slow(600_000));
      await cancelled.cancel();
      const c = await elo('watch', cancelled.workflowId);
      assert.equal(c.code, RUN_EXIT_CODES['CANCELLED'], c.stderr);

      const terminated = await start(slow(600_000));
      await terminated.terminate('exit-code test');
      const x = await elo('watch', terminated.workflowId);
      assert.equal(x.code, RUN_EXIT_CODES['TERMINATED'], x.stderr);

      const timedOut = await start(slow(600_000), { workflowExecutionTimeout: '2s' });
      const t = await elo('watch', timedOut.workflowId);
      assert.equal(t.code, RUN_EXIT_CODES['TIMED_OUT'], t.stderr);
      assert.match(t.stderr, /ended timed out/);
    });
  });

  it('elo worker: exits 128+9 when its worker is SIGKILLed; SIGKILLed itself, leaves no worker running', async () => {
    const queues = h.queues('exit-worker');
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      ELO_CPU_QUEUE: queues.cpu,
      ELO_GPU_QUEUE: queues.gpu,
    };
    /** `elo worker --queues cpu`, resolved once its worker polls; with the worker's pid. */
    const wrapper = async () => {
      const proc = spawn(process.execPath, [MAIN, 'worker', '--queues', 'cpu'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(proc);
      let out = '';
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('elo cpu worker:')) resolve();
        });
        proc.once('exit', (c) => reject(new Error(`elo worker exited (${c}):\n${out}`)));
      });
      const { stdout } = await promisify(execFile)('ps', [
        '-o',
        'pid=',
        '--ppid',
        String(proc.pid),
      ]);
      const worker = Number(stdout.trim().split('\n')[0]);
      assert.ok(worker > 0, `no worker child of elo worker (${stdout})`);
      return { proc, worker };
    };

    const first = await wrapper();
    process.kill(first.worker, 'SIGKILL');
    const [code] = (await once(first.proc, 'exit')) as [number | null];
    assert.equal(code, 128 + 9);

    const second = await wrapper();
    second.proc.kill('SIGKILL');
    await once(second.proc, 'exit');
    // A ceiling for a shutdown the closed IPC channel makes certain, not a speed limit.
    await waitFor(
      'the orphaned worker to stop',
      async () => (alive(second.worker) ? undefined : true),
      60_000,
    );
  });
});
