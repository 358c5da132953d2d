// A stage's activity as the server sees it while it is pending (scheduled, started, retrying):
// the attempt, which worker took it, when, its last heartbeat and the details that heartbeat
// carried. One mapping from Temporal's PendingActivityInfo, shared by `describeRun` (one run)
// and the fleet snapshot (every open run), so `elo watch` and `elo workers` read the same fields.
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { StageHeartbeat, TrainingProgress, WorkerMemory } from '../pipeline/stage-call.js';

type PendingActivityInfo = temporal.api.workflow.v1.IPendingActivityInfo;
type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null };

// temporal.api.enums.v1.PendingActivityState, by number.
const PENDING_STATES = [
  'unspecified',
  'scheduled',
  'started',
  'cancel-requested',
  'paused',
  'pause-requested',
];

export interface PendingStage {
  /** The DAG node, from the activity id `stage/<node>`. */
  nodeId: string;
  stage: string;
  /** The task queue the activity is scheduled on (absent on servers that do not report it). */
  taskQueue?: string;
  /** scheduled: waiting in the task queue (or its retry backoff); started: a worker runs it. */
  state: string;
  attempt: number;
  /** 0: unlimited. */
  maximumAttempts: number;
  /** The worker that took the current (or, while scheduled, the last) attempt. */
  worker?: string;
  scheduledAt?: Date;
  startedAt?: Date;
  lastHeartbeat?: Date;
  /** The stage's heartbeat timeout: a started attempt silent longer than this is timed out. */
  heartbeatTimeoutMs?: number;
  /** While scheduled after a failure: when the next attempt becomes available to workers. */
  nextAttemptAt?: Date;
  progress?: Partial<TrainingProgress>;
  /** The worker's memory budget and use, as of the last heartbeat (workers with a budget). */
  workerMemory?: WorkerMemory;
  lastFailure?: string;
}

export function timestampMs(ts: Timestamp | null | undefined): number | undefined {
  if (!ts || ts.seconds == null) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

const dateOf = (ts: Timestamp | null | undefined): Date | undefined => {
  const ms = timestampMs(ts);
  return ms === undefined ? undefined : new Date(ms);
};

/** The pending stage, or undefined for activities that are not stages (bookkeeping). */
export function pendingStage(a: PendingActivityInfo): PendingStage | undefined {
  const id = a.activityId ?? '';
  if (!id.startsWith('stage/')) return undefined;
  const payload = a.heartbeatDetails?.payloads?.[0];
  const details = payload
    ? defaultPayloadConverter.fromPayload<StageHeartbeat | undefined>(payload)
    : undefined;
  // The worker tag rides along in the heartbeat; what remains is the stage's own progress.
  const { worker: _worker, workerMemory, ...progress } = details ?? {};
  const hasProgress = Object.keys(progress).length > 0;
  const heartbeatTimeoutMs = timestampMs(a.activityOptions?.heartbeatTimeout);
  const out: PendingStage = {
    nodeId: id.slice('stage/'.length),
    stage: a.activityType?.name ?? '',
    state: PENDING_STATES[Number(a.state ?? 0)] ?? 'unknown',
    attempt: a.attempt ?? 1,
    maximumAttempts: a.maximumAttempts ?? 0,
  };
  const optional: Partial<PendingStage> = {
    taskQueue: a.activityOptions?.taskQueue?.name ?? undefined,
    worker: a.lastWorkerIdentity || undefined,
    scheduledAt: dateOf(a.scheduledTime),
    startedAt: dateOf(a.lastStartedTime),
    lastHeartbeat: dateOf(a.lastHeartbeatTime),
    heartbeatTimeoutMs: heartbeatTimeoutMs || undefined,
    nextAttemptAt: dateOf(a.nextAttemptScheduleTime),
    progress: hasProgress ? (progress as Partial<TrainingProgress>) : undefined,
    workerMemory,
    lastFailure: a.lastFailure?.message ?? undefined,
  };
  for (const [k, v] of Object.entries(optional)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
