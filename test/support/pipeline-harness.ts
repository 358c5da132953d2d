import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  NativeConnection,
  bundleWorkflowCode,
  type Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startRun, type RunRequest } from '../../client/run-client.js';
import type { QueueKind } from '../../pipeline/task-queues.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { openStore } from '../../storage/open-store.js';
import { createWorkers, type CreateWorkersOptions } from '../../workers/create-workers.js';
import { STAGE_IMPLEMENTATIONS } from '../../workers/stage-implementations.js';
import type { StageImplementation } from '../../activities/stage-activity.js';
import { toyStages } from './toy-stages.js';
import type { runPipeline } from '../../workflows/index.js';
import { quietTemporalRuntime } from './quiet-runtime.js';
import { DefaultLogger } from '@temporalio/worker';

const quietLogger = new DefaultLogger('WARN');
import { s3TestTarget, temporalAddress, uniqueName } from './servers.js';

/** Real connections to the test server, a fresh store, and unique task queues per test. */
export class PipelineHarness {
  private constructor(
    readonly connection: Connection,
    readonly nativeConnection: NativeConnection,
    readonly client: Client,
    readonly bundle: WorkflowBundle,
    /** This build's stages and the toy stages (test/fixtures/toy-stages/). */
    readonly implementations: readonly StageImplementation[],
  ) {}

  static async open(): Promise<PipelineHarness> {
    quietTemporalRuntime();
    const connection = await Connection.connect({ address: temporalAddress() });
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
    const toys = await toyStages();
    // Bundled once per test file: webpack takes seconds, and every test starts its own workers.
    const bundle = await bundleWorkflowCode({
      workflowsPath: toys.workflowsPath,
      webpackConfigHook: toys.webpackConfigHook,
      logger: quietLogger,
    });
    return new PipelineHarness(connection, nativeConnection, new Client({ connection }), bundle, [
      ...STAGE_IMPLEMENTATIONS,
      ...toys.implementations,
    ]);
  }

  async close(): Promise<void> {
    await this.nativeConnection.close();
    await this.connection.close();
  }

  /** A file:// store in a new temporary folder. */
  async fileStore(): Promise<{ uri: string; store: ArtifactStore }> {
    const dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'store-'));
    const uri = pathToFileURL(dir).href;
    return { uri, store: openStore(uri) };
  }

  /** An s3:// store under a unique prefix of the test bucket (real S3 server). */
  s3Store(): { uri: string; store: ArtifactStore } {
    const uri = `s3://${s3TestTarget().bucket}/${uniqueName('pipeline')}`;
    return { uri, store: openStore(uri) };
  }

  queues(prefix: string): Record<QueueKind, string> {
    const base = uniqueName(prefix);
    return { cpu: `${base}-cpu`, gpu: `${base}-gpu` };
  }

  /** Runs `role` workers (default: both queues, replaying every task) while `fn` runs. */
  async withWorkers<T>(
    queues: Record<QueueKind, string>,
    fn: () => Promise<T>,
    options: Partial<CreateWorkersOptions> = {},
  ): Promise<T> {
    const workers: Worker[] = await createWorkers({
      role: 'all',
      connection: this.nativeConnection,
      queues,
      workflowBundle: this.bundle,
      implementations: this.implementations,
      workerOptions: { maxCachedWorkflows: 0 },
      ...options,
    });
    const running = workers.map((w) => w.run());
    try {
      return await fn();
    } finally {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
    }
  }

  start(req: RunRequest): Promise<WorkflowHandle<typeof runPipeline>> {
    return startRun(this.client, req);
  }
}

/** The failure a run ended with (throws if it succeeded). */
export async function runFailure(handle: WorkflowHandle): Promise<WorkflowFailedError> {
  try {
    await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) return err;
    throw err;
  }
  throw new Error(`run ${handle.workflowId} succeeded; a failure was expected`);
}

export async function readText(store: ArtifactStore, uri: string): Promise<string> {
  return (await store.readFile(store.keyOf(uri), 'text.txt')).toString('utf8');
}

/** Polls `probe` until it returns a value (not undefined) or `ms` pass: a ceiling for a state the test makes certain, generous for loaded CI machines, never a speed limit. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
