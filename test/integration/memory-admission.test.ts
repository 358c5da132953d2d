// A worker refuses a stage that can never fit its memory budget at once (one attempt, not
// retried), naming estimate and budget, while the stages that fit run (real Temporal server).
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/client';
import { initBackend } from '../../engine/backend.js';
import { formatBytes } from '../../engine/memory-model.js';
import { selectionMemory } from '../../engine/train/selection-memory.js';
import { HfModelFolder } from '../../formats/index.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../client/describe-run.js';
import { MemoryBudget } from '../../workers/memory-budget.js';
import { TOKENIZER, tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { PipelineHarness, runFailure } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

describe('memory-aware workers (real Temporal server)', () => {
  let h: PipelineHarness;
  let dir: string;
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'elo-memory-'));
  });
  after(async () => {
    await h.close();
  });

  it('fails a training stage that can never fit at once, non-retryable, naming estimate and budget', async () => {
    const model = await tinyBaseModel(dir);
    const folder = await HfModelFolder.open(model);
    const config = folder.config;
    await folder.close();
    const need = selectionMemory(config, { mode: 'full' }, 2, 32);
    // Just below what full CP of this model needs: everything else still runs.
    const budget = new MemoryBudget(Math.floor(need.total * 0.9));
    const spec: DagSpec = {
      name: 'memory-refusal',
      nodes: [
        { id: 'import-base', stage: 'import-model', params: { source: model } },
        {
          id: 'prepare-data',
          stage: 'prepare-data',
          params: {
            data: {
              languages: await tinyLanguages(dir),
              target: 'ko',
              tokenizer: TOKENIZER,
              seqLen: 32,
              tokenBudget: 2000,
            },
          },
        },
        {
          id: 'full-cp',
          stage: 'train',
          params: { mode: 'full', steps: 2, batchSize: 2, seqLen: 32, warmupSteps: 1 },
          needs: { model: 'import-base.model', data: 'prepare-data.data' },
        },
      ],
    };
    const { uri } = await h.fileStore();
    const queues = h.queues('memory');
    const runName = uniqueName('memory-refusal');
    // Queried while the workers run: a closed run's query replays on a worker.
    const { failure, nodes } = await h.withWorkers(
      queues,
      async () => {
        const handle = await h.start({
          runName,
          storeUri: uri,
          taskQueues: queues,
          dag: spec,
          useCache: false,
        });
        return {
          failure: await runFailure(handle),
          nodes: (await describeRun(h.client, runName)).nodes,
        };
      },
      { memory: budget },
    );
    assert.ok(failure.cause instanceof ApplicationFailure);
    const sentence = new RegExp(
      `full-cp of this \\d+(\\.\\d)?[KMB] model needs ~${formatBytes(need.total).replace('.', '\\.')} ` +
        `\\([^)]+\\); this worker has ${formatBytes(budget.budgetBytes).replace('.', '\\.')}: use ELO`,
    );
    assert.match(failure.cause.message, sentence);
    const node = nodes.find((n) => n.id === 'full-cp')!;
    assert.equal(node.state, 'failed');
    assert.equal(node.attempts, 1, 'not retried');
    assert.equal(nodes.find((n) => n.id === 'prepare-data')?.state, 'succeeded');
    assert.equal(budget.snapshot().admitted.length, 0);
  });
});
