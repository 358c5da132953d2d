// The S3 server dies as a checkpoint write begins and comes back after 30 s (ELO_FAULT_OUTAGE_S):
// the training activity waits the outage out inside its attempt (store retries, heartbeats go
// on), nothing half-written is trusted, and the run ends with the uninterrupted weights.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { s3ServerEnv, startS3Server, type S3Server } from '../../infra/s3-server.js';
import { openStore } from '../../storage/open-store.js';
import { tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';
import {
  checkpointsOf,
  faultTrainDag,
  figure,
  gateReached,
  trainedWeights,
} from '../support/train-faults.js';

const OUTAGE_S = Number(process.env['ELO_FAULT_OUTAGE_S'] ?? 30);
/** After step 15 the server dies; the checkpoint at step 20 is written into the outage. */
const GATE_STEP = 15;

describe('fault: the S3 server killed mid-run, back after an outage (real servers)', () => {
  let h: PipelineHarness;
  let s3: S3Server;
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 's3-outage-'));
    s3 = await startS3Server({
      dataDir: path.join(dir, 's3'),
      bucket: 'outage',
      credentials: {
        accessKeyId: `fault-${process.pid}`,
        secretAccessKey: 'fault-secret-key-0123',
      },
    });
    // This file's store, workers and the gpu worker child all talk to this server.
    Object.assign(process.env, s3ServerEnv(s3));
    process.env['ELO_S3_PORT'] = new URL(s3.endpoint).port;
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
    await s3.stop();
  });

  it(`survives ${OUTAGE_S} s without S3 inside one attempt and ends bit-identical`, async () => {
    const spec = faultTrainDag(await tinyBaseModel(dir), await tinyLanguages(dir));
    const uri = `s3://outage/${uniqueName('run')}`;
    const store = openStore(uri);
    const gateDir = await mkdtemp(path.join(dir, 'gate-'));
    const queues = h.queues('s3-outage');
    let log = '';
    const worker = await startGpuWorker(
      queues,
      { ELO_FAILPOINTS: `train.step=${GATE_STEP}:gate`, ELO_FAILPOINT_GATE: gateDir },
      (t) => (log += t),
    );
    children.push(worker);
    await h.withWorkers(
      queues,
      async () => {
        const runName = uniqueName('s3-outage');
        const handle = await h.start({ runName, storeUri: uri, taskQueues: queues, dag: spec });
        const release = await gateReached(gateDir, 'train.step', GATE_STEP);
        process.kill(s3.pid, 'SIGKILL');
        const down = Date.now();
        await release();
        await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
        s3 = await startS3Server({
          dataDir: path.join(dir, 's3'),
          bucket: 'outage',
          credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        });
        const outage = (Date.now() - down) / 1000;
        const result = await handle.result();
        const train = result.nodes.find((n) => n.id === 'train')!;
        assert.equal(train.state, 'succeeded');
        assert.equal(train.attempts, 1, 'the outage must not cost a stage attempt');
        const retries = log.match(/retrying in \d+ ms/g)?.length ?? 0;
        assert.ok(retries > 0, `no store retry was logged:\n${log.slice(-3000)}`);
        // Nothing partial is trusted: every committed checkpoint verifies in full.
        for (const key of await checkpointsOf(store, runName))
          await store.fetchFolder(key, await mkdtemp(path.join(dir, 'verify-')));

        // The same worker trains the reference: let it through its gate at once.
        const [, referenceRun] = await Promise.all([
          gateReached(gateDir, 'train.step', GATE_STEP).then((go) => go()),
          h
            .start({
              runName: uniqueName('s3-reference'),
              storeUri: uri,
              taskQueues: queues,
              dag: spec,
              useCache: false,
            })
            .then((r) => r.result()),
        ]);
        const reference = referenceRun.nodes.find((n) => n.id === 'train')!;
        assert.ok(
          (await trainedWeights(store, train)).equals(await trainedWeights(store, reference)),
          'weights after the outage differ from the uninterrupted run',
        );
        figure(
          `s3-outage: S3 SIGKILLed after step ${GATE_STEP}, down ${outage.toFixed(1)} s over the ` +
            `step-20 checkpoint write; ${retries} store retries logged; completed in ` +
            `${train.attempts} attempt, weights bit-identical`,
        );
      },
      { role: 'cpu' },
    );
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  });
});
