import {
  NativeConnection,
  Worker,
  type BundleOptions,
  type WorkerOptions,
} from '@temporalio/worker';
import { createPipelineActivities } from '../activities/pipeline/index.js';
import { createStageActivities } from '../activities/stage-activities.js';
import type { StageImplementation } from '../activities/stage-activity.js';
import { stageCatalog } from '../pipeline/catalog.js';
import { TASK_QUEUES, type QueueKind } from '../pipeline/task-queues.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { openStore } from '../storage/open-store.js';
import { retryingStore, storeRetryFromEnv } from '../storage/retrying-store.js';
import { log as activityLog } from '@temporalio/activity';
import { MemoryBudget } from './memory-budget.js';
import { workflowsPath } from './workflow-bundle.js';
import { workerIdentity } from './worker-identity.js';
import { STAGE_IMPLEMENTATIONS } from './stage-implementations.js';

export type WorkerRole = 'cpu' | 'gpu' | 'all';

export interface CreateWorkersOptions {
  role: WorkerRole;
  connection: NativeConnection;
  namespace?: string;
  queues?: Partial<Record<QueueKind, string>>;
  concurrency?: Partial<Record<QueueKind, number>>;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  implementations?: readonly StageImplementation[];
  storeFor?: (uri: string) => Promise<ArtifactStore>;
  /** A prebuilt bundle (tests bundle once instead of per worker). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The workflows entry point to bundle (default this build's; a stage pack brings its own). */
  workflows?: { path: string; webpackConfigHook?: BundleOptions['webpackConfigHook'] };
  /** Poller identity, also named in stage heartbeats and failures (default `workerIdentity()`). */
  identity?: string;
  /**
   * The process's memory budget, shared by its workers (default: the machine's memory, or
   * ELO_MEMORY_BUDGET through runWorkers): stages are admitted while their estimates fit.
   */
  memory?: MemoryBudget;
  /** Extra worker options (tests: maxCachedWorkflows 0 to force replay). */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * One store object per URI for the worker's lifetime (S3 clients keep their connections); its
 * operations wait out store outages for ELO_STORE_RETRY_FOR (default 5 minutes), logging each
 * wait, while the stage wrapper goes on heartbeating.
 */
export function storeCache(): (uri: string) => Promise<ArtifactStore> {
  const stores = new Map<string, ArtifactStore>();
  const retryForMs = storeRetryFromEnv();
  return (uri) => {
    let store = stores.get(uri);
    if (!store) {
      store = retryingStore(openStore(uri), { retryForMs, onRetry: logRetry });
      stores.set(uri, store);
    }
    return Promise.resolve(store);
  };
}

function logRetry(r: { operation: string; error: unknown; delayMs: number }): void {
  const line = `store: ${r.operation} failed (${(r.error as Error).message}); retrying in ${r.delayMs} ms`;
  // Inside an activity the line goes to the worker's logger with the activity's context.
  try {
    activityLog.warn(line);
  } catch {
    console.warn(line);
  }
}

/**
 * The workers of a role. `cpu`: the executor workflow, the executor's bookkeeping activities and
 * every cpu stage; `gpu`: the gpu (training) stages, one at a time by default; `all`: both, for
 * development. A worker polls one task queue, so `all` is two workers in one process.
 */
export async function createWorkers(options: CreateWorkersOptions): Promise<Worker[]> {
  const queues = { ...TASK_QUEUES, ...options.queues };
  const storeFor = options.storeFor ?? storeCache();
  const memory = options.memory ?? new MemoryBudget();
  const impls = options.implementations ?? STAGE_IMPLEMENTATIONS;
  for (const impl of impls) {
    if (stageCatalog.get(impl.stage.name) !== impl.stage) {
      throw new Error(
        `stage ${impl.stage.name} is implemented but not in the stage catalog (a stage pack's stages join it through ELO_STAGE_PACK)`,
      );
    }
  }
  const of = (queue: QueueKind) => impls.filter((i) => i.stage.queue === queue);
  const identity = options.identity ?? workerIdentity();
  const common = {
    identity,
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    shutdownGraceTime: options.shutdownGraceTime ?? 0,
    ...options.workerOptions,
  };
  // Options first, then every worker created in one Promise.all: no promise waits unobserved.
  const specs: WorkerOptions[] = [];
  if (options.role !== 'gpu') {
    specs.push({
      ...common,
      taskQueue: queues.cpu,
      ...(options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : options.workflows
          ? {
              workflowsPath: options.workflows.path,
              ...(options.workflows.webpackConfigHook
                ? { bundlerOptions: { webpackConfigHook: options.workflows.webpackConfigHook } }
                : {}),
            }
          : { workflowsPath }),
      activities: {
        ...createPipelineActivities(storeFor),
        ...createStageActivities(
          { storeFor, worker: identity, memory, workerMemory: () => memory.snapshot() },
          of('cpu'),
        ),
      },
      maxConcurrentActivityTaskExecutions: options.concurrency?.cpu ?? 4,
    });
  }
  if (options.role !== 'cpu') {
    specs.push({
      ...common,
      taskQueue: queues.gpu,
      activities: createStageActivities(
        { storeFor, worker: identity, memory, workerMemory: () => memory.snapshot() },
        of('gpu'),
      ),
      maxConcurrentActivityTaskExecutions: options.concurrency?.gpu ?? 1,
    });
  }
  return Promise.all(specs.map((spec) => Worker.create(spec)));
}
