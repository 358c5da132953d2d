import { defaultPayloadConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils.js';

type HistoryEvent = NonNullable<History['events']>[number];
type Timestamp = HistoryEvent['eventTime'];

export type TimelineKind =
  | 'scheduled'
  | 'started'
  | 'retried'
  | 'completed'
  | 'failed'
  | 'timed-out'
  | 'cancel-requested'
  | 'cancelled'
  | 'cached';

export interface TimelineEntry {
  time: Date;
  node: string;
  stage: string;
  kind: TimelineKind;
  attempt?: number;
  detail?: string;
}

export interface NodeTimeline {
  node: string;
  stage: string;
  /** The node's last event: completed, failed, cached, cancelled, timed-out, … */
  outcome: TimelineKind;
  attempts: number;
  firstAt: Date;
  lastAt: Date;
}

export interface RunTimeline {
  workflowId?: string;
  workflowType: string;
  startedAt?: Date;
  endedAt?: Date;
  /** completed, failed, cancelled, timed-out, terminated, continued, or running. */
  status: string;
  entries: TimelineEntry[];
  nodes: NodeTimeline[];
}

function toDate(ts: Timestamp): Date {
  if (!ts) return new Date(0);
  const s = ts.seconds as unknown;
  const seconds =
    typeof s === 'object' && s !== null && 'toNumber' in s
      ? (s as { toNumber(): number }).toNumber()
      : Number(s ?? 0);
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

function decode<T>(payloads: { payloads?: unknown[] | null } | null | undefined): T | undefined {
  const first = payloads?.payloads?.[0];
  if (!first) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(first as never);
  } catch {
    return undefined;
  }
}

interface FailureLike {
  message?: string | null;
  cause?: unknown;
  applicationFailureInfo?: { details?: { payloads?: unknown[] | null } | null } | null;
  timeoutFailureInfo?: { lastHeartbeatDetails?: { payloads?: unknown[] | null } | null } | null;
}

/**
 * The worker an attempt failed on: stage failures carry it in their details, a heartbeat timeout
 * in the last heartbeat's details (the timeout itself comes from the server).
 */
function failureWorker(f: FailureLike): string | undefined {
  const from = (p: { payloads?: unknown[] | null } | null | undefined) => {
    const v = decode<{ worker?: unknown }>(p);
    return typeof v?.worker === 'string' ? v.worker : undefined;
  };
  const cause = f.cause as FailureLike | null | undefined;
  return (
    from(f.applicationFailureInfo?.details) ??
    from(f.timeoutFailureInfo?.lastHeartbeatDetails) ??
    (cause ? failureWorker(cause) : undefined)
  );
}

function failureText(f: FailureLike | null | undefined): string {
  if (!f) return '';
  const cause = f.cause as { message?: string | null } | null | undefined;
  const text =
    cause?.message && cause.message !== f.message
      ? `${f.message ?? ''} (${cause.message})`
      : (f.message ?? '');
  const worker = failureWorker(f);
  return worker ? `${text} [on ${worker}]` : text;
}

/**
 * A run's event history as a stage timeline: for each node, when its stage activity was
 * scheduled, started (retries counted from the started event's attempt), completed, failed,
 * timed out or was cancelled, and when a cache lookup made it `cached`. Pure: works on a history
 * fetched from the server (`handle.fetchHistory()`) or loaded from a JSON file.
 */
export function historyToTimeline(history: History): RunTimeline {
  const scheduled = new Map<string, { node: string; stage: string; kind: 'stage' | 'lookup' }>();
  const entries: TimelineEntry[] = [];
  const timeline: RunTimeline = { workflowType: '?', status: 'running', entries, nodes: [] };

  for (const event of history.events ?? []) {
    const time = toDate(event.eventTime);
    const id = String(event.eventId);
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      timeline.workflowType = started.workflowType?.name ?? '?';
      timeline.startedAt = time;
      const input = decode<{ runName?: string }>(started.input);
      if (input?.runName) timeline.workflowId = input.runName;
      continue;
    }
    const closed: Array<[unknown, string]> = [
      [event.workflowExecutionCompletedEventAttributes, 'completed'],
      [event.workflowExecutionFailedEventAttributes, 'failed'],
      [event.workflowExecutionCanceledEventAttributes, 'cancelled'],
      [event.workflowExecutionTimedOutEventAttributes, 'timed-out'],
      [event.workflowExecutionTerminatedEventAttributes, 'terminated'],
      [event.workflowExecutionContinuedAsNewEventAttributes, 'continued'],
    ];
    const close = closed.find(([attrs]) => attrs);
    if (close) {
      timeline.status = close[1];
      timeline.endedAt = time;
      continue;
    }

    const sched = event.activityTaskScheduledEventAttributes;
    if (sched) {
      const activityId = sched.activityId ?? '';
      const type = sched.activityType?.name ?? '?';
      if (activityId.startsWith('stage/')) {
        const node = activityId.slice('stage/'.length);
        scheduled.set(id, { node, stage: type, kind: 'stage' });
        entries.push({ time, node, stage: type, kind: 'scheduled' });
      } else if (activityId.startsWith('cache-lookup/')) {
        const input = decode<{ stage?: string }>(sched.input);
        const node = activityId.slice('cache-lookup/'.length);
        scheduled.set(id, { node, stage: input?.stage ?? '?', kind: 'lookup' });
      }
      continue;
    }
    const ref = (scheduledEventId: unknown) => scheduled.get(String(scheduledEventId));
    const push = (
      on: { node: string; stage: string } | undefined,
      kind: TimelineKind,
      extra: Partial<TimelineEntry> = {},
    ) => on && entries.push({ time, node: on.node, stage: on.stage, kind, ...extra });

    const a = event;
    if (a.activityTaskStartedEventAttributes) {
      const s = ref(a.activityTaskStartedEventAttributes.scheduledEventId);
      if (s?.kind !== 'stage') continue;
      const attempt = a.activityTaskStartedEventAttributes.attempt ?? 1;
      if (attempt > 1) {
        push(s, 'retried', {
          attempt,
          detail: `${attempt - 1} earlier attempt(s) failed; last: ${failureText(a.activityTaskStartedEventAttributes.lastFailure)}`,
        });
      }
      const identity = a.activityTaskStartedEventAttributes.identity;
      push(s, 'started', { attempt, ...(identity ? { detail: `on ${identity}` } : {}) });
    } else if (a.activityTaskCompletedEventAttributes) {
      const s = ref(a.activityTaskCompletedEventAttributes.scheduledEventId);
      if (s?.kind === 'stage') push(s, 'completed');
      if (s?.kind === 'lookup') {
        const result = decode<{ key?: string; entry?: unknown }>(
          a.activityTaskCompletedEventAttributes.result,
        );
        if (result?.entry) push(s, 'cached', { detail: `cache key ${result.key?.slice(0, 12)}` });
      }
    } else if (a.activityTaskFailedEventAttributes) {
      const s = ref(a.activityTaskFailedEventAttributes.scheduledEventId);
      if (s?.kind === 'stage') {
        push(s, 'failed', { detail: failureText(a.activityTaskFailedEventAttributes.failure) });
      }
    } else if (a.activityTaskTimedOutEventAttributes) {
      const s = ref(a.activityTaskTimedOutEventAttributes.scheduledEventId);
      if (s?.kind === 'stage') {
        push(s, 'timed-out', {
          detail: failureText(a.activityTaskTimedOutEventAttributes.failure),
        });
      }
    } else if (a.activityTaskCancelRequestedEventAttributes) {
      const s = ref(a.activityTaskCancelRequestedEventAttributes.scheduledEventId);
      if (s?.kind === 'stage') push(s, 'cancel-requested');
    } else if (a.activityTaskCanceledEventAttributes) {
      const s = ref(a.activityTaskCanceledEventAttributes.scheduledEventId);
      if (s?.kind === 'stage') push(s, 'cancelled');
    }
  }

  const byNode = new Map<string, NodeTimeline>();
  for (const e of entries) {
    const n = byNode.get(e.node);
    if (!n) {
      byNode.set(e.node, {
        node: e.node,
        stage: e.stage,
        outcome: e.kind,
        attempts: e.attempt ?? 0,
        firstAt: e.time,
        lastAt: e.time,
      });
    } else {
      n.outcome = e.kind === 'cancel-requested' && n.outcome !== 'started' ? n.outcome : e.kind;
      n.attempts = Math.max(n.attempts, e.attempt ?? 0);
      n.lastAt = e.time;
    }
  }
  timeline.nodes = [...byNode.values()];
  return timeline;
}

/** The timeline as text: one line per event (offset from the run's start), then one per node. */
export function formatTimeline(t: RunTimeline): string {
  const t0 = t.startedAt?.getTime() ?? t.entries[0]?.time.getTime() ?? 0;
  const secs = (d: Date) => ((d.getTime() - t0) / 1000).toFixed(3);
  const width = Math.max(4, ...t.entries.map((e) => e.node.length));
  const stageWidth = Math.max(5, ...t.entries.map((e) => e.stage.length));
  const lines = [
    `run ${t.workflowId ?? ''} (${t.workflowType}) started ${t.startedAt?.toISOString() ?? '?'}, ` +
      `${t.status}${t.endedAt ? ` after ${secs(t.endedAt)}s` : ''}`,
  ];
  for (const e of t.entries) {
    lines.push(
      `  +${secs(e.time).padStart(8)}s  ${e.node.padEnd(width)}  ${e.stage.padEnd(stageWidth)}  ` +
        `${e.kind}${e.attempt ? ` (attempt ${e.attempt})` : ''}${e.detail ? `: ${e.detail}` : ''}`,
    );
  }
  lines.push('nodes:');
  for (const n of t.nodes) {
    const took = ((n.lastAt.getTime() - n.firstAt.getTime()) / 1000).toFixed(3);
    lines.push(
      `  ${n.node.padEnd(width)}  ${n.stage.padEnd(stageWidth)}  ${n.outcome.padEnd(16)} ` +
        `attempts ${n.attempts}  ${took}s`,
    );
  }
  return lines.join('\n');
}
