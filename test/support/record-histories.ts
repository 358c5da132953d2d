/**
 * `npm run record-histories`: runs representative pipelines against a fresh Temporal dev server
 * and writes their event histories to test/histories/*.json, which the replay test runs through
 * the current workflow code. Re-record only on purpose (a deliberate, versioned workflow change):
 * the committed histories stand for runs already in flight in deployments.
 *   npm run record-histories                 every history
 *   npm run record-histories -- elo-run      only the named ones (the others stay as committed)
 */
import { historyToJson } from '../../client/history-json.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prettierFormat } from '../../infra/prettier-format.js';
import { projectRoot } from '../../infra/project-paths.js';
import { startTemporalDevServer } from '../../infra/temporal-dev-server.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../client/describe-run.js';
import { PipelineHarness, runFailure, waitFor } from './pipeline-harness.js';
import { uniqueName } from './servers.js';
import { SEARCH_ATTRIBUTES } from '../../pipeline/search-attributes.js';
import { buildDag } from '../../client/elo-dag.js';
import { parseRunConfig, resolveRunConfig } from '../../client/run-config.js';
import { initBackend } from '../../engine/backend.js';
import { tinyBaseModel, tinyLanguages } from './elo-fixtures.js';

export const HISTORIES_DIR = path.join(projectRoot, 'test', 'histories');

const diamond: DagSpec = {
  name: 'diamond',
  nodes: [
    { id: 'left', stage: 'toy-write-text', params: { text: 'left', delayMs: 300 } },
    { id: 'right', stage: 'toy-write-text', params: { text: 'right', delayMs: 300 } },
    { id: 'join', stage: 'toy-concat', needs: { a: 'left', b: 'right' } },
  ],
};

const failing: DagSpec = {
  name: 'failing',
  nodes: [
    { id: 'flaky', stage: 'toy-flaky', params: { failures: 1, text: 'eventually' } },
    {
      id: 'bad',
      stage: 'toy-reject',
      params: { reason: 'recorded failure' },
      needs: { text: 'flaky' },
    },
    { id: 'after', stage: 'toy-concat', needs: { a: 'bad' } },
    { id: 'fine', stage: 'toy-write-text', params: { text: 'independent' } },
  ],
};

const training: DagSpec = {
  name: 'training',
  nodes: [
    {
      id: 'train',
      stage: 'toy-train',
      params: { steps: 5000, stepDelayMs: 10, checkpointEvery: 50 },
    },
    { id: 'report', stage: 'toy-concat', needs: { a: 'train.weights' } },
  ],
};

/** A whole ELO run on the tiny model: detach, ELO training, reintegrate, align, evaluate, report. */
async function eloRunConfig(dir: string) {
  const train = { steps: 3, batchSize: 2, seqLen: 32, checkpointEvery: 2, warmupSteps: 1 };
  return resolveRunConfig(
    parseRunConfig({
      name: uniqueName('elo-run'),
      baseModel: await tinyBaseModel(dir),
      target: 'ko',
      data: {
        languages: await tinyLanguages(dir),
        seqLen: 32,
        validationFraction: 0.1,
        tokenBudget: 4000,
      },
      elo: { layers: [0, -1], train },
      align: { steps: 2, batchSize: 2 },
      eval: { seqLen: 32, batchSize: 4, maxTokensPerSet: 200 },
    }),
    dir,
  );
}

async function record(only: ReadonlySet<string>): Promise<void> {
  const wanted = (name: string) => only.size === 0 || only.has(name);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-record-'));
  const server = process.env['TEMPORAL_ADDRESS']
    ? undefined
    : await startTemporalDevServer({
        searchAttributes: SEARCH_ATTRIBUTES,
        dbFile: path.join(scratch, 'temporal.db'),
        ui: false,
      });
  if (server) process.env['TEMPORAL_ADDRESS'] = server.address;
  process.env['ELO_TEST_SCRATCH'] = scratch;
  const h = await PipelineHarness.open();
  try {
    const { uri } = await h.fileStore();
    const queues = h.queues('record');
    const histories: Record<string, string> = {};
    await h.withWorkers(queues, async () => {
      const start = (runName: string, dag: DagSpec) =>
        h.start({ runName, dag, storeUri: uri, taskQueues: queues, config: { dag: dag.name } });

      if (wanted('diamond-succeeded') || wanted('diamond-cached')) {
        const d = uniqueName('diamond');
        await (await start(d, diamond)).result();
        histories['diamond-succeeded'] = d;
        const c = uniqueName('resubmitted');
        await (await start(c, diamond)).result(); // all cached: the same nodes ran above
        histories['diamond-cached'] = c;
      }

      if (wanted('retry-then-nonretryable-failure')) {
        const f = uniqueName('failing');
        await runFailure(await start(f, failing));
        histories['retry-then-nonretryable-failure'] = f;
      }

      if (wanted('training-cancelled')) {
        const t = uniqueName('training');
        const handle = await start(t, training);
        await waitFor('training progress', async () => {
          const node = (await describeRun(h.client, t)).nodes[0];
          return (node?.live?.progress?.step ?? 0) >= 60 ? true : undefined;
        });
        await handle.cancel();
        await runFailure(handle);
        histories['training-cancelled'] = t;
      }

      if (wanted('elo-run')) {
        await initBackend({ backend: 'tensorflow', log: () => {} });
        const config = await eloRunConfig(scratch);
        const handle = await h.start({
          runName: config.name,
          dag: buildDag(config),
          storeUri: uri,
          taskQueues: queues,
          config,
          targetLanguage: 'ko',
          baseModel: 'tiny-base',
        });
        const result = await handle.result();
        if (result.status !== 'succeeded') throw new Error(`elo-run ended ${result.status}`);
        histories['elo-run'] = config.name;
      }
    });
    await mkdir(HISTORIES_DIR, { recursive: true });
    for (const [name, workflowId] of Object.entries(histories).filter(([n]) => wanted(n))) {
      const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
      const file = path.join(HISTORIES_DIR, `${name}.json`);
      await writeFile(file, await prettierFormat(historyToJson(history), 'json'));
      console.log(
        `recorded ${path.relative(projectRoot, file)} (${history.events?.length} events)`,
      );
    }
  } finally {
    await h.close();
    await server?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

record(new Set(process.argv.slice(2))).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
