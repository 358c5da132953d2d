// The Temporal dev server SIGKILLed mid-training and restarted on its database after a pause
// (ELO_FAULT_TEMPORAL_DOWN_S, default 10): workers reconnect, the run continues and completes with
// the uninterrupted weights.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { startTemporalDevServer, type DevServer } from '../../infra/temporal-dev-server.js';
import { tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';
import { faultTrainDag, figure, gateReached, trainedWeights } from '../support/train-faults.js';
import { SEARCH_ATTRIBUTES } from '../../pipeline/search-attributes.js';

const DOWN_S = Number(process.env['ELO_FAULT_TEMPORAL_DOWN_S'] ?? 10);
const GATE_STEP = 15;

describe('fault: the Temporal server killed and restarted on its db mid-run', () => {
  let server: DevServer;
  let h: PipelineHarness;
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'temporal-'));
    server = await startTemporalDevServer({
      searchAttributes: SEARCH_ATTRIBUTES,
      dbFile: path.join(dir, 'dev.db'),
      ui: false,
    });
    // This file's harness, workers and children use this server; restarts keep its port.
    process.env['TEMPORAL_ADDRESS'] = server.address;
    process.env['TEMPORAL_PORT'] = server.address.split(':')[1]!;
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
    await server.stop();
  });

  it(`a run survives the server down ${DOWN_S} s during training`, async () => {
    const spec = faultTrainDag(await tinyBaseModel(dir), await tinyLanguages(dir));
    const { uri, store } = await h.fileStore();
    const gateDir = await mkdtemp(path.join(dir, 'gate-'));
    const queues = h.queues('temporal-restart');
    const worker = await startGpuWorker(queues, {
      ELO_FAILPOINTS: `train.step=${GATE_STEP}:gate`,
      ELO_FAILPOINT_GATE: gateDir,
    });
    children.push(worker);
    await h.withWorkers(
      queues,
      async () => {
        const handle = await h.start({
          runName: uniqueName('temporal-restart'),
          storeUri: uri,
          taskQueues: queues,
          dag: spec,
        });
        const release = await gateReached(gateDir, 'train.step', GATE_STEP);
        process.kill(server.pid, 'SIGKILL');
        const down = Date.now();
        await release(); // training goes on while the server is away
        await new Promise((r) => setTimeout(r, DOWN_S * 1000));
        server = await startTemporalDevServer({
          searchAttributes: SEARCH_ATTRIBUTES,
          dbFile: path.join(dir, 'dev.db'),
          ui: false,
        });
        const outage = (Date.now() - down) / 1000;
        const result = await handle.result();
        const train = result.nodes.find((n) => n.id === 'train')!;
        assert.equal(train.state, 'succeeded');
        const events = (await handle.fetchHistory()).events?.length ?? 0;

        const [, referenceRun] = await Promise.all([
          gateReached(gateDir, 'train.step', GATE_STEP).then((go) => go()),
          h
            .start({
              runName: uniqueName('temporal-reference'),
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
          'weights after the server restart differ from the uninterrupted run',
        );
        figure(
          `temporal-restart: dev server SIGKILLed at training step ${GATE_STEP}, back on its db ` +
            `after ${outage.toFixed(1)} s; run completed (train attempts ${train.attempts}, ` +
            `${events} history events), weights bit-identical`,
        );
      },
      { role: 'cpu' },
    );
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  });
});
