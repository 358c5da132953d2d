/**
 * `npm run record-histories`: runs representative pipelines against a fresh Temporal dev server
 * and writes their event histories to test/histories/*.json, which the replay test runs through
 * the current workflow code. Re-record only on purpose (a deliberate, versioned workflow change):
 * the committed histories stand for runs already in flight in deployments.
 */
import { historyToJson } from '../../client/history-json.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../infra/project-paths.js';
import { startTemporalDevServer } from '../../infra/temporal-dev-server.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../client/describe-run.js';
import { PipelineHarness, runFailure, waitFor } from './pipeline-harness.js';
import { uniqueName } from './servers.js';
import { SEARCH_ATTRIBUTES } from '../../pipeline/search-attributes.js';

export const HISTORIES_DIR = path.join(projectRoot, 'test', 'histories');

const diamond: DagSpec = {
  name: 'diamond',
  nodes: [
    { id: 'left', stage: 'demo-write-text', params: { text: 'left', delayMs: 300 } },
    { id: 'right', stage: 'demo-write-text', params: { text: 'right', delayMs: 300 } },
    { id: 'join', stage: 'demo-concat', needs: { a: 'left', b: 'right' } },
  ],
};

const failing: DagSpec = {
  name: 'failing',
  nodes: [
    { id: 'flaky', stage: 'demo-flaky', params: { failures: 1, text: 'eventually' } },
    {
      id: 'bad',
      stage: 'demo-reject',
      params: { reason: 'recorded failure' },
      needs: { text: 'flaky' },
    },
    { id: 'after', stage: 'demo-concat', needs: { a: 'bad' } },
    { id: 'fine', stage: 'demo-write-text', params: { text: 'independent' } },
  ],
};

const training: DagSpec = {
  name: 'training',
  nodes: [
    {
      id: 'train',
      stage: 'demo-train',
      params: { steps: 5000, stepDelayMs: 10, checkpointEvery: 50 },
    },
    { id: 'report', stage: 'demo-concat', needs: { a: 'train.weights' } },
  ],
};

async function record(): Promise<void> {
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

      const d = uniqueName('diamond');
      await (await start(d, diamond)).result();
      histories['diamond-succeeded'] = d;
      const c = uniqueName('resubmitted');
      await (await start(c, diamond)).result(); // all cached: the same nodes ran above
      histories['diamond-cached'] = c;

      const f = uniqueName('failing');
      await runFailure(await start(f, failing));
      histories['retry-then-nonretryable-failure'] = f;

      const t = uniqueName('training');
      const handle = await start(t, training);
      await waitFor('training progress', async () => {
        const node = (await describeRun(h.client, t)).nodes[0];
        return (node?.live?.progress?.step ?? 0) >= 60 ? true : undefined;
      });
      await handle.cancel();
      await runFailure(handle);
      histories['training-cancelled'] = t;
    });
    await mkdir(HISTORIES_DIR, { recursive: true });
    for (const [name, workflowId] of Object.entries(histories)) {
      const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
      const file = path.join(HISTORIES_DIR, `${name}.json`);
      await writeFile(file, historyToJson(history) + '\n');
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

record().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
