import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createPipelineActivities } from '../activities/pipeline/index.js';
import { createStageActivities } from '../activities/stage-activities.js';
import type { StageImplementation } from '../activities/stage-activity.js';
import { stageCatalog } from '../pipeline/catalog.js';
import { TASK_QUEUES, type QueueKind } from '../pipeline/task-queues.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { openStore } from '../storage/open-store.js';
import { MemoryBudget } from './memory-budget.js';
import { workflowsPath } from './workflow-bundle.js';
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
  /**
   * The process's memory budget, shared by its workers (default: the machine's memory, or
   * ELO_MEMORY_BUDGET through runWorkers): stages are admitted while their estimates fit.
   */
  memory?: MemoryBudget;
  /** Extra worker options (tests: maxCachedWorkflows 0 to force replay). */
  workerOptions?: Partial<WorkerOptions>;
}

/** One store object per URI for the worker's lifetime (S3 clients keep their connections). */
export function storeCache(): (uri: string) => Promise<ArtifactStore> {
  const stores = new Map<string, ArtifactStore>();
  return (uri) => {
    let store = stores.get(uri);
    if (!store) stores.set(uri, (store = openStore(uri)));
    return Promise.resolve(store);
  };
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
      throw new Error(`stage ${impl.stage.name} is implemented but not in the stage catalog`);
    }
  }
  const of = (queue: QueueKind) => impls.filter((i) => i.stage.queue === queue);
  const common = {
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    shutdownGraceTime: options.shutdownGraceTime ?? 0,
    ...options.workerOptions,
  };
  const workers: Promise<Worker>[] = [];
  if (options.role !== 'gpu') {
    workers.push(
      Worker.create({
        ...common,
        taskQueue: queues.cpu,
        ...(options.workflowBundle
          ? { workflowBundle: options.workflowBundle }
          : { workflowsPath }),
        activities: {
          ...createPipelineActivities(storeFor),
          ...createStageActivities({ storeFor, memory }, of('cpu')),
        },
        maxConcurrentActivityTaskExecutions: options.concurrency?.cpu ?? 4,
      }),
    );
  }
  if (options.role !== 'cpu') {
    workers.push(
      Worker.create({
        ...common,
        taskQueue: queues.gpu,
        activities: createStageActivities({ storeFor, memory }, of('gpu')),
        maxConcurrentActivityTaskExecutions: options.concurrency?.gpu ?? 1,
      }),
    );
  }
  return Promise.all(workers);
}
