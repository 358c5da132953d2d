/**
 * `npm start`: the main job. For now it runs the smoke pipeline end to end on embedded defaults —
 * the local Temporal dev server (persisted in .temporal/), a worker in this process and the
 * ./runs store — and prints the result. Set TEMPORAL_ADDRESS to use a running server instead.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createSmokeActivities } from '../activities/smoke.js';
import { TASK_QUEUES } from '../pipeline/task-queues.js';
import { workflowsPath } from '../workers/workflow-bundle.js';
import type { smokePipeline } from '../workflows/smoke.js';
import { projectRoot } from './project-paths.js';
import { exitOnError, SetupError } from './setup-error.js';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server.js';

const log = (line: string) => console.log(line);

async function run(): Promise<void> {
  // Worker INFO logs (bundler stats, state changes) would bury the result; warnings still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let server: DevServer | undefined;
  let address = process.env['TEMPORAL_ADDRESS'];
  if (!address) {
    const stateDir = path.join(projectRoot, '.temporal');
    await mkdir(stateDir, { recursive: true });
    log('starting the local Temporal dev server…');
    server = await startTemporalDevServer({ dbFile: path.join(stateDir, 'dev.db'), ui: true, log });
    address = server.address;
    log(`Temporal dev server at ${address}; Web UI at ${server.uiUrl}`);
  }
  try {
    await runSmokePipeline(address);
  } finally {
    await server?.stop();
  }
}

async function runSmokePipeline(address: string): Promise<void> {
  const connection = await connectOrExplain(address);
  const nativeConnection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: TASK_QUEUES.cpu,
      workflowsPath,
      activities: createSmokeActivities({ root: path.join(projectRoot, 'runs') }),
    });
    const client = new Client({ connection });
    const workflowId = `smoke-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    log(`running workflow ${workflowId} on task queue ${TASK_QUEUES.cpu}…`);
    const result = await worker.runUntil(
      client.workflow.execute<typeof smokePipeline>('smokePipeline', {
        workflowId,
        taskQueue: TASK_QUEUES.cpu,
        args: [{ message: 'Hello from ELO Pipelines — 안녕하세요' }],
      }),
    );
    log(`result: ${JSON.stringify(result, null, 2)}`);
    if (!result.verified) throw new Error('smoke pipeline: the artifact did not verify');
    log('smoke pipeline succeeded');
  } finally {
    await nativeConnection.close();
    await connection.close();
  }
}

async function connectOrExplain(address: string): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: 5000 });
  } catch (err) {
    throw new SetupError(
      `cannot reach Temporal at ${address}: ${(err as Error).message}`,
      'start it (`temporal server start-dev`) or unset TEMPORAL_ADDRESS to use the embedded dev server',
    );
  }
}

run().catch(exitOnError);
