// The store's disk fills up during a checkpoint (a small tmpfs, so this fault needs root): the
// attempt fails with a clear out-of-space error, nothing half-written is committed, and once space
// returns the retry resumes from the last good checkpoint and ends with the uninterrupted weights.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { describeRun } from '../../client/describe-run.js';
import { openStore } from '../../storage/open-store.js';
import { tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';
import {
  checkpointsOf,
  faultTrainDag,
  figure,
  gateReached,
  trainedWeights,
} from '../support/train-faults.js';

const run = promisify(execFile);
const GATE_STEP = 15;
/** Less than one checkpoint (weights + two AdamW moments, ~3 MB for the tiny model). */
const HEADROOM = 1536 * 1024;

describe('fault: the store disk full during a checkpoint (tmpfs; needs root)', () => {
  let h: PipelineHarness;
  let dir: string;
  let mnt: string | undefined;
  const children: ChildProcess[] = [];
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'the disk-full fault mounts a tmpfs: run it as root');
    await initBackend({ backend: 'wasm', log: () => {} });
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'disk-full-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (mnt) await run('umount', [mnt]);
    await h.close();
  });

  it('out of space at a checkpoint: a clear error, nothing committed, resumed once space returns', async () => {
    mnt = path.join(dir, 'tmpfs');
    await mkdir(mnt);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
    const resize = (bytes: number) =>
      run('mount', ['-o', `remount,size=${Math.ceil(bytes / 4096) * 4096}`, mnt!]);
    const uri = pathToFileURL(path.join(mnt, 'store')).href;
    const store = openStore(uri);
    const spec = faultTrainDag(await tinyBaseModel(dir), await tinyLanguages(dir));
    const gateDir = await mkdtemp(path.join(dir, 'gate-'));
    const queues = h.queues('disk-full');
    const worker = await startGpuWorker(queues, {
      ELO_FAILPOINTS: `train.step=${GATE_STEP}:gate`,
      ELO_FAILPOINT_GATE: gateDir,
    });
    children.push(worker);
    await h.withWorkers(
      queues,
      async () => {
        const runName = uniqueName('disk-full');
        const handle = await h.start({ runName, storeUri: uri, taskQueues: queues, dag: spec });
        // Attempt 1 at step 15 (checkpoint 10 written): shrink the disk below one checkpoint.
        const first = await gateReached(gateDir, 'train.step', GATE_STEP);
        const fs = await statfs(mnt!);
        const used = (fs.blocks - fs.bfree) * fs.bsize;
        await resize(used + HEADROOM);
        await first();
        // Attempt 2 reaches the gate again after attempt 1 failed at checkpoint 20.
        const second = await gateReached(gateDir, 'train.step', GATE_STEP);
        const failure = await waitFor('the out-of-space failure', async () => {
          const node = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'train');
          return node?.live?.lastFailure;
        });
        assert.match(failure, /out of space \(ENOSPC\) while writing \S+step-00000020/);
        const committed = (await checkpointsOf(store, runName)).map((k) => k.slice(-8));
        assert.deepEqual(committed, ['00000010'], 'a partial checkpoint was committed');
        await resize(64 << 20);
        await second();
        const train = (await handle.result()).nodes.find((n) => n.id === 'train')!;
        assert.equal(train.state, 'succeeded');
        assert.equal(train.metrics['resumedFromStep'], 10);

        const other = await h.fileStore();
        const [, referenceRun] = await Promise.all([
          gateReached(gateDir, 'train.step', GATE_STEP).then((go) => go()),
          h
            .start({
              runName: uniqueName('disk-reference'),
              storeUri: other.uri,
              taskQueues: queues,
              dag: spec,
              useCache: false,
            })
            .then((r) => r.result()),
        ]);
        const reference = referenceRun.nodes.find((n) => n.id === 'train')!;
        assert.ok(
          (await trainedWeights(store, train)).equals(await trainedWeights(other.store, reference)),
          'weights after the disk-full retry differ from the uninterrupted run',
        );
        figure(
          `disk-full: store tmpfs shrunk to ${((used + HEADROOM) / 2 ** 20).toFixed(1)} MiB at step ` +
            `${GATE_STEP}; checkpoint 20 failed "${failure.slice(0, 80)}…", nothing committed ` +
            `(checkpoints [${committed.join(', ')}]); after space returned: completed on attempt ` +
            `${train.attempts} from step 10, weights bit-identical`,
        );
      },
      { role: 'cpu' },
    );
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  });
});
