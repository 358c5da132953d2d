// Why a stage is not making progress, in one sentence an operator can act on: queued behind a
// busy slot, queued with no worker polling its task queue, waiting out a retry backoff, or started
// on a worker that stopped heartbeating. Pure: the caller passes the stage, a fleet snapshot and
// the time, so every branch is tested without a server.
import type { FleetSnapshot, FleetWorker, RunStage } from './fleet.js';
import type { PendingStage } from './pending-stage.js';
import type { QueueKind } from '../pipeline/task-queues.js';

/**
 * A poller is live while its last poll is this recent. An idle worker keeps one long poll open
 * (the server answers it empty after about a minute), so a live poller's last access is up to
 * ~60 s old; a worker whose every slot is busy stops polling altogether.
 */
export const POLLER_LIVE_MS = 70_000;
/** Worker heartbeats (ListWorkers) come every 60 s by default: one and a half missed means gone. */
export const WORKER_HEARTBEAT_STALE_MS = 90_000;

export type WaitKind =
  'slots-busy' | 'no-worker' | 'retry-backoff' | 'dispatching' | 'heartbeat-lost' | 'worker-gone';

export interface WaitReason {
  kind: WaitKind;
  text: string;
}

/** `23:20` in local time: when a busy stage started. */
export const clockTime = (d: Date): string => d.toTimeString().slice(0, 5);

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

/** `elo-l3b/elo-pretrain step 1/3 since 23:20`: a stage holding a slot. */
export function holderText(s: RunStage): string {
  const p = s.progress;
  const step =
    p?.step !== undefined ? ` step ${p.step}${p.totalSteps ? `/${p.totalSteps}` : ''}` : '';
  const since = s.startedAt ? ` since ${clockTime(s.startedAt)}` : '';
  return `${s.run}/${s.nodeId}${step}${since}`;
}

const liveWorkers = (fleet: FleetSnapshot, queue: string, now: number): FleetWorker[] =>
  (fleet.workers ?? []).filter(
    (w) =>
      w.taskQueue === queue &&
      w.status === 'running' &&
      (!w.heartbeatAt || now - w.heartbeatAt.getTime() < WORKER_HEARTBEAT_STALE_MS),
  );

/** What happens to an attempt whose worker is gone: the retry policy decides. */
function nextStep(s: PendingStage, queue: string): string {
  if (s.maximumAttempts && s.attempt >= s.maximumAttempts)
    return `attempt ${s.attempt} of ${s.maximumAttempts} was the last: the stage fails when it times out`;
  const of = s.maximumAttempts ? ` of ${s.maximumAttempts}` : '';
  return `the server retries it (attempt ${s.attempt + 1}${of}) on the next ${queue} worker, from its last checkpoint`;
}

/**
 * Why a scheduled (not yet started) stage waits. `queue` is the task queue name it is on,
 * `kind` cpu or gpu (for the wording: "gpu slot busy").
 */
export function explainQueued(
  s: PendingStage & { run?: string },
  queue: string,
  kind: QueueKind,
  fleet: FleetSnapshot,
  now: Date,
): WaitReason {
  const t = now.getTime();
  // The server words a silent worker as a heartbeat timeout: say what it means.
  const lost = !!s.lastFailure && /heartbeat timeout/i.test(s.lastFailure);
  const failure = lost ? `its worker stopped heartbeating (${s.lastFailure})` : s.lastFailure;
  const previous =
    s.attempt > 1 && failure
      ? ` (attempt ${s.attempt}; attempt ${s.attempt - 1}${s.worker ? ` on ${s.worker}` : ''}: ${failure})`
      : '';
  if (s.nextAttemptAt && s.nextAttemptAt.getTime() > t) {
    return {
      kind: 'retry-backoff',
      text: `retry in ${ago(s.nextAttemptAt.getTime() - t)}${previous}`,
    };
  }
  const view = fleet.queues.find((q) => q.name === queue);
  const pollers = (view?.pollers ?? []).filter((p) => p.types.includes('activity'));
  // A worker that just went silent still looks like a recent poller: it is not one.
  const livePollers = pollers
    .filter((p) => !(lost && p.identity === s.worker))
    .filter((p) => p.lastAccess && t - p.lastAccess.getTime() < POLLER_LIVE_MS);
  const workers = liveWorkers(fleet, queue, t);
  const busy = fleet.stages.filter(
    (o) =>
      o.taskQueue === queue && o.state === 'started' && !(o.run === s.run && o.nodeId === s.nodeId),
  );
  const free = fleet.workers
    ? workers.reduce((n, w) => n + (w.activitySlots?.available ?? 0), 0)
    : livePollers.length;
  if (busy.length > 0 && free === 0) {
    const slots = kind === 'gpu' ? 'gpu slot' : 'cpu slot';
    const more = busy.length > 2 ? ` (+${busy.length - 2} more)` : '';
    return {
      kind: 'slots-busy',
      text: `${slots}${busy.length > 1 ? 's' : ''} busy: ${busy.slice(0, 2).map(holderText).join('; ')}${more}${previous}`,
    };
  }
  if (livePollers.length === 0 && workers.length === 0) {
    const last = pollers
      .filter((p) => p.lastAccess)
      .sort((a, b) => b.lastAccess!.getTime() - a.lastAccess!.getTime())[0];
    const seen = last
      ? `; last poll ${ago(t - last.lastAccess!.getTime())} ago by ${last.identity}`
      : '';
    return {
      kind: 'no-worker',
      text: `no worker polls ${queue}${seen}: start one (elo worker --queues ${kind})${previous}`,
    };
  }
  const n = Math.max(livePollers.length, workers.length);
  return {
    kind: 'dispatching',
    text: `waiting for a ${queue} worker to take it (${n} polled in the last minute)${previous}`,
  };
}

/**
 * For a started stage: undefined while its worker heartbeats; else that the worker went silent
 * (past the stage's heartbeat timeout) or shut down (its own heartbeat says so, or stopped), and
 * what the server does next.
 */
export function explainStarted(
  s: PendingStage,
  queue: string,
  fleet: FleetSnapshot | undefined,
  now: Date,
): WaitReason | undefined {
  const t = now.getTime();
  const who = s.worker ?? 'its worker';
  const last = s.lastHeartbeat ?? s.startedAt;
  if (s.heartbeatTimeoutMs && last && t - last.getTime() > s.heartbeatTimeoutMs) {
    return {
      kind: 'heartbeat-lost',
      text: `${who} stopped heartbeating ${ago(t - last.getTime())} ago (timeout ${ago(s.heartbeatTimeoutMs)}): ${nextStep(s, queue)}`,
    };
  }
  if (!fleet?.workers || !s.worker) return undefined;
  const entries = fleet.workers.filter((w) => w.identity === s.worker && w.taskQueue === queue);
  // No entry yet: the worker may not have sent its first heartbeat (they come every minute).
  if (entries.length === 0) return undefined;
  if (liveWorkers(fleet, queue, t).some((w) => w.identity === s.worker)) return undefined;
  const w = entries[0]!;
  const state =
    w.status === 'running' && w.heartbeatAt
      ? `sent its last heartbeat ${ago(t - w.heartbeatAt.getTime())} ago`
      : `is ${w.status}`;
  return { kind: 'worker-gone', text: `${who} ${state}: ${nextStep(s, queue)}` };
}
