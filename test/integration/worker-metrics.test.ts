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
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';
import { faultTrainDag } from '../support/train-faults.js';
import { freePort } from '../../infra/ports.js';

const EVERY = 5;
/** The training thread holds right after this checkpoint, so the scrape sees a run in progress. */
const HOLD_AT = 10;
const BUDGET = 3 * 2 ** 30;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format: `name{k="v",…} value` lines; comments skipped. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

describe('worker metrics (a real worker process, real Temporal server, Prometheus endpoint)', () => {
  let h: PipelineHarness;
  let worker: ChildProcess | undefined;
  before(async () => {
    await initBackend({ backend: 'tensorflow', log: () => {} });
    h = await PipelineHarness.open();
  });
  after(async () => {
    if (worker?.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await h.close();
  });

  it('serves the SDK runtime metrics and the engine training metrics while a run trains', async () => {
    const dir = await mkdtemp(
      path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'metrics-'),
    );
    const spec = faultTrainDag(
      await tinyBaseModel(dir),
      await tinyLanguages(dir),
      4 * HOLD_AT,
      EVERY,
    );
    const { uri } = await h.fileStore();
    const queues = h.queues('metrics');
    const runName = uniqueName('metrics');
    const port = await freePort();
    await h.withWorkers(
      queues,
      async () => {
        worker = await startGpuWorker(queues, {
          ELO_METRICS_ADDRESS: `127.0.0.1:${port}`,
          ELO_MEMORY_BUDGET: String(BUDGET),
          ELO_FAILPOINTS: `train.checkpoint=${HOLD_AT}:hold`,
        });
        const handle = await h.start({
          runName,
          storeUri: uri,
          taskQueues: queues,
          dag: spec,
        });
        const of = (samples: Sample[], name: string) =>
          samples.filter((s) => s.name === name && s.labels['run'] === runName);
        const samples = await waitFor('the training metrics of the held run', async () => {
          const res = await fetch(`http://127.0.0.1:${port}/metrics`);
          const parsed = parseMetrics(await res.text());
          const step = of(parsed, 'elo_train_step')[0]?.value ?? 0;
          const checkpoints = of(parsed, 'elo_checkpoint_seconds_count')[0]?.value ?? 0;
          return step >= HOLD_AT && checkpoints >= HOLD_AT / EVERY ? parsed : undefined;
        });

        assert.equal(of(samples, 'elo_train_step')[0]?.value, HOLD_AT, 'held after its checkpoint');
        assert.equal(of(samples, 'elo_train_step')[0]?.labels['node'], 'train');
        const loss = of(samples, 'elo_train_loss')[0]?.value ?? NaN;
        assert.ok(loss > 0 && Number.isFinite(loss), `loss ${loss}`);
        assert.ok((of(samples, 'elo_train_tokens_per_second')[0]?.value ?? 0) > 0);
        // 2 sequences of 32 tokens a step (faultTrainDag's train node).
        assert.equal(of(samples, 'elo_train_tokens')[0]?.value, HOLD_AT * 64);
        assert.equal(of(samples, 'elo_checkpoint_seconds_count')[0]?.value, HOLD_AT / EVERY);
        assert.ok((of(samples, 'elo_checkpoint_seconds_sum')[0]?.value ?? 0) > 0);

        const one = (name: string) => samples.find((s) => s.name === name)?.value;
        assert.equal(one('elo_worker_memory_budget_bytes'), BUDGET);
        assert.ok((one('elo_worker_memory_rss_bytes') ?? 0) > 0);
        // The memory model's view next to the measured one: the admitted estimate fits the budget.
        const admitted = one('elo_worker_memory_admitted_bytes') ?? 0;
        assert.ok(admitted > 0 && admitted <= BUDGET, `admitted ${admitted} of ${BUDGET}`);
        assert.equal(one('elo_worker_stages_waiting_for_memory'), 0);
        // The SDK runtime's own metrics come from the same endpoint.
        const slots = samples.find(
          (s) =>
            s.name === 'temporal_worker_task_slots_available' &&
            s.labels['task_queue'] === queues.gpu &&
            s.labels['worker_type'] === 'ActivityWorker',
        );
        assert.equal(slots?.value, 0, 'the one gpu slot is taken by the training stage');

        worker.kill('SIGTERM'); // the hold ends, the stage checkpoints and hands the attempt back
        const [code] = (await once(worker, 'exit')) as [number | null];
        assert.equal(code, 0);
        await handle.terminate('the test has scraped what it needed');
      },
      { role: 'cpu' },
    );
  });
});
