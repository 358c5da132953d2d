// What the fleet is doing, from Temporal alone (no extra server): who polls each task queue
// (DescribeTaskQueue), which workers are alive and how many activity slots they have free (the
// SDK's worker heartbeats, ListWorkers), and what every open run's stages are doing (the pending
// activities of each open pipeline workflow, with the worker identity and step their heartbeats
// carry). `elo workers` prints it; `elo watch` explains a queued or silent stage with it.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { stageCatalog } from '../pipeline/catalog.js';
import { pendingStage, timestampMs, type PendingStage } from './pending-stage.js';
import { TASK_QUEUES, type QueueKind } from '../pipeline/task-queues.js';

// temporal.api.enums.v1 values, by number: the proto package is not a runtime dependency.
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;
const WORKER_STATUS = ['unspecified', 'running', 'shutting-down', 'shutdown'];

export interface Poller {
  identity: string;
  lastAccess?: Date;
  /** Which task types it polls this queue for. */
  types: ('workflow' | 'activity')[];
}

export interface QueueView {
  kind: QueueKind;
  name: string;
  pollers: Poller[];
  /** Activity tasks waiting for a worker (the server's approximate count). */
  backlog?: number;
}

/** A worker as its own heartbeat (ListWorkers) describes it; one per worker and task queue. */
export interface FleetWorker {
  identity: string;
  taskQueue: string;
  host?: string;
  status: string;
  startedAt?: Date;
  heartbeatAt?: Date;
  /** Activity slots (training slots on a gpu queue): in use and free. */
  activitySlots?: { used: number; available: number };
  /** The host's memory in use, 0..1, as the SDK measures it. */
  hostMemoryUsed?: number;
}

export interface RunStage extends PendingStage {
  run: string;
}

export interface OpenRun {
  run: string;
  workflowId: string;
  pipeline?: string;
  /** The workflow's task queue: the cpu queue of the deployment that runs it. */
  taskQueue: string;
  startedAt: Date;
}

export interface FleetSnapshot {
  at: Date;
  namespace: string;
  queues: QueueView[];
  /** null where the server does not list workers (older servers, heartbeats disabled). */
  workers: FleetWorker[] | null;
  openRuns: OpenRun[];
  /** Pending stages of every open run: what is executing and what waits, on which queue. */
  stages: RunStage[];
}

export interface FleetOptions {
  queues?: Partial<Record<QueueKind, string>>;
  /** Most open runs to look into (newest first). */
  maxRuns?: number;
}

const OPEN_RUNS = "WorkflowType = 'runPipeline' AND ExecutionStatus = 'Running'";

export async function fleetSnapshot(
  client: Client,
  opts: FleetOptions = {},
): Promise<FleetSnapshot> {
  const namespace = client.options.namespace;
  const names = { ...TASK_QUEUES, ...opts.queues };
  const kinds = Object.keys(names) as QueueKind[];
  const [queues, workers, runs] = await Promise.all([
    Promise.all(kinds.map((kind) => describeQueue(client, namespace, kind, names[kind]))),
    listWorkers(client, namespace, Object.values(names)),
    openRuns(client, opts.maxRuns ?? 50, names),
  ]);
  return { at: new Date(), namespace, queues, workers, ...runs };
}

async function describeQueue(
  client: Client,
  namespace: string,
  kind: QueueKind,
  name: string,
): Promise<QueueView> {
  const types = kind === 'cpu' ? (['workflow', 'activity'] as const) : (['activity'] as const);
  const byIdentity = new Map<string, Poller>();
  let backlog: number | undefined;
  for (const type of types) {
    const res = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE[type],
      reportStats: type === 'activity',
    });
    for (const p of res.pollers ?? []) {
      const identity = p.identity ?? '?';
      const ms = timestampMs(p.lastAccessTime);
      const poller = byIdentity.get(identity) ?? { identity, types: [] };
      poller.types.push(type);
      if (ms !== undefined && (!poller.lastAccess || ms > poller.lastAccess.getTime()))
        poller.lastAccess = new Date(ms);
      byIdentity.set(identity, poller);
    }
    const count = res.stats?.approximateBacklogCount;
    if (type === 'activity' && count != null) backlog = Number(count);
  }
  return { kind, name, pollers: [...byIdentity.values()], ...(backlog != null ? { backlog } : {}) };
}

async function listWorkers(
  client: Client,
  namespace: string,
  queues: string[],
): Promise<FleetWorker[] | null> {
  const q = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
  const query = queues.map((name) => `TaskQueue = ${q(name)}`).join(' OR ');
  try {
    const out: FleetWorker[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const res = await client.workflowService.listWorkers({
        namespace,
        query,
        pageSize: 200,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      for (const info of res.workersInfo ?? []) {
        const w = info.workerHeartbeat;
        if (w) out.push(fleetWorker(w));
      }
      nextPageToken = res.nextPageToken?.length ? res.nextPageToken : undefined;
    } while (nextPageToken);
    return out;
  } catch {
    // An older server (or one with worker heartbeats off) answers Unimplemented: pollers and
    // pending activities still tell most of the story.
    return null;
  }
}

function fleetWorker(w: temporal.api.worker.v1.IWorkerHeartbeat): FleetWorker {
  const slots = w.activityTaskSlotsInfo;
  const startedAt = timestampMs(w.startTime);
  const heartbeatAt = timestampMs(w.heartbeatTime);
  return {
    identity: w.workerIdentity ?? '?',
    taskQueue: w.taskQueue ?? '',
    ...(w.hostInfo?.hostName ? { host: w.hostInfo.hostName } : {}),
    status: WORKER_STATUS[Number(w.status ?? 0)] ?? 'unspecified',
    ...(startedAt !== undefined ? { startedAt: new Date(startedAt) } : {}),
    ...(heartbeatAt !== undefined ? { heartbeatAt: new Date(heartbeatAt) } : {}),
    ...(slots
      ? {
          activitySlots: {
            used: slots.currentUsedSlots ?? 0,
            available: slots.currentAvailableSlots ?? 0,
          },
        }
      : {}),
    ...(w.hostInfo?.currentHostMemUsage != null
      ? { hostMemoryUsed: w.hostInfo.currentHostMemUsage }
      : {}),
  };
}

async function openRuns(
  client: Client,
  max: number,
  names: Record<QueueKind, string>,
): Promise<{ openRuns: OpenRun[]; stages: RunStage[] }> {
  const runs: OpenRun[] = [];
  for await (const wf of client.workflow.list({ query: OPEN_RUNS })) {
    const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
    const pipeline = sa['EloPipeline']?.[0] as string | undefined;
    runs.push({
      run: (sa['EloRunName']?.[0] as string | undefined) ?? wf.workflowId,
      workflowId: wf.workflowId,
      ...(pipeline ? { pipeline } : {}),
      taskQueue: wf.taskQueue,
      startedAt: wf.startTime,
    });
    if (runs.length >= max) break;
  }
  const described = await Promise.all(
    runs.map((r) =>
      client.workflow
        .getHandle(r.workflowId)
        .describe()
        // A run that closed since the listing has nothing pending.
        .then((d) => (d.raw.pendingActivities ?? []).map(pendingStage))
        .catch(() => []),
    ),
  );
  // Servers that do not report an activity's options: the stage's queue under this deployment's
  // names (a run started with other queue names is then attributed to ours).
  const queueOf = (s: PendingStage) => {
    const kind = stageCatalog.get(s.stage)?.queue;
    return s.taskQueue ?? (kind ? names[kind] : undefined);
  };
  const stages = described.flatMap((list, i) =>
    list.flatMap((s) => {
      if (!s) return [];
      const taskQueue = queueOf(s);
      return [{ ...s, run: runs[i]!.run, ...(taskQueue ? { taskQueue } : {}) }];
    }),
  );
  return { openRuns: runs, stages };
}
