import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SEARCH_ATTRIBUTES } from '../../pipeline/search-attributes.js';
import { fileURLToPath } from 'node:url';
import { createSmokeActivities } from '../fixtures/wiring-activities.js';
import type { smokePipeline } from '../fixtures/wiring-workflow.js';
import { quietTemporalRuntime } from '../support/quiet-runtime.js';
import { temporalAddress, uniqueName } from '../support/servers.js';

describe('Temporal wiring (real dev server)', () => {
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let root: string;

  before(async () => {
    quietTemporalRuntime();
    connection = await Connection.connect({ address: temporalAddress() });
    nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
    root = await mkdtemp(path.join(os.tmpdir(), 'elo-smoke-'));
  });
  after(async () => {
    await nativeConnection.close();
    await connection.close();
    await rm(root, { recursive: true, force: true });
  });

  it('runs a workflow whose activities write and verify a file', async () => {
    const taskQueue = uniqueName('smoke');
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      // The fixture's own bundle: the wiring workflow ships in no production worker.
      workflowsPath: fileURLToPath(new URL('../fixtures/wiring-workflow.js', import.meta.url)),
      activities: createSmokeActivities({ root }),
    });
    const client = new Client({ connection });
    const workflowId = uniqueName('smoke-wf');
    const message = 'durable hello — 안녕하세요';
    const result = await worker.runUntil(
      client.workflow.execute<typeof smokePipeline>('smokePipeline', {
        workflowId,
        taskQueue,
        args: [{ message }],
      }),
    );
    assert.equal(result.workflowId, workflowId);
    assert.equal(result.verified, true);
    assert.equal(await readFile(result.artifact.path, 'utf8'), message);
    assert.equal(result.artifact.bytes, Buffer.byteLength(message));

    // The history is on the server, not in this process: both activities completed there.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const completed = (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes);
    assert.equal(completed.length, 2);
  });

  it('has the project search attributes registered', async () => {
    const response = await connection.operatorService.listSearchAttributes({
      namespace: 'default',
    });
    const custom = Object.keys(response.customAttributes ?? {});
    for (const name of Object.keys(SEARCH_ATTRIBUTES)) {
      assert.ok(
        custom.includes(name),
        `search attribute ${name} missing; have ${custom.join(', ')}`,
      );
    }
  });
});
