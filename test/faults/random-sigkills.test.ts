// The gpu worker SIGKILLed at K random steps (ELO_FAULT_KILLS, default 3), a fresh worker each
// time: the run completes and its weights equal an uninterrupted run's byte for byte.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';
import {
  FAULT_EVERY,
  FAULT_STEPS,
  faultTrainDag,
  figure,
  trainedWeights,
} from '../support/train-faults.js';

const KILLS = Number(process.env['ELO_FAULT_KILLS'] ?? 3);

/** `n` distinct steps in 1..steps-1, ascending, from a printed seed (rerun with ELO_FAULT_SEED). */
function killSteps(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const steps = new Set<number>();
  while (steps.size < n) steps.add(1 + Math.floor(next() * (FAULT_STEPS - 1)));
  return [...steps].sort((a, b) => a - b);
}

describe('fault: random SIGKILLs of the training worker (real worker processes)', () => {
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

  it(`${KILLS} SIGKILLs at random steps: completes bit-identical`, async () => {
    const seed = Number(process.env['ELO_FAULT_SEED'] ?? Date.now() % 1_000_000);
    const kills = killSteps(KILLS, seed);
    const dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'kills-'));
    const spec = faultTrainDag(await tinyBaseModel(dir), await tinyLanguages(dir));
    const { uri, store } = await h.fileStore();
    const queues = h.queues('kills');
    await h.withWorkers(
      queues,
      async () => {
        const runName = uniqueName('kills');
        let handle;
        for (const [i, step] of kills.entries()) {
          const doomed = await startGpuWorker(queues, {
            ELO_FAILPOINTS: `train.step=${step}:kill`,
          });
          children.push(doomed);
          handle ??= await h.start({ runName, storeUri: uri, taskQueues: queues, dag: spec });
          const [, signal] = (await once(doomed, 'exit')) as [unknown, NodeJS.Signals | null];
          assert.equal(signal, 'SIGKILL', `kill ${i + 1} at step ${step}`);
        }
        const worker = await startGpuWorker(queues);
        children.push(worker);
        const train = (await handle!.result()).nodes.find((n) => n.id === 'train')!;
        const reference = (
          await (
            await h.start({
              runName: uniqueName('kills-reference'),
              storeUri: uri,
              taskQueues: queues,
              dag: spec,
              useCache: false,
            })
          ).result()
        ).nodes.find((n) => n.id === 'train')!;
        worker.kill('SIGTERM');
        await once(worker, 'exit');
        assert.equal(train.state, 'succeeded');
        assert.equal(train.attempts, KILLS + 1);
        const resumed = train.metrics['resumedFromStep']!;
        assert.ok(resumed <= kills.at(-1)! && kills.at(-1)! - resumed <= FAULT_EVERY);
        assert.ok(
          (await trainedWeights(store, train)).equals(await trainedWeights(store, reference)),
          'weights after the kills differ from the uninterrupted run',
        );
        figure(
          `random-sigkills (seed ${seed}): worker SIGKILLed at steps [${kills.join(', ')}] of ` +
            `${FAULT_STEPS}; completed on attempt ${train.attempts}, last resume at step ${resumed}; ` +
            'weights bit-identical to the uninterrupted run',
        );
      },
      { role: 'cpu' },
    );
  });
});
