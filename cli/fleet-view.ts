// `elo workers`: the fleet snapshot arranged per task queue, as JSON (stable fields,
// docs/elo-pipeline.md) and as text. Pure, so the arrangement is tested without a server.
import type { FleetSnapshot, RunStage } from '../client/fleet.js';
import { ago, clockTime, explainQueued } from '../client/stage-wait.js';

const iso = (d: Date | undefined) => d?.toISOString() ?? null;

function stageJson(s: RunStage) {
  return {
    run: s.run,
    node: s.nodeId,
    stage: s.stage,
    attempt: s.attempt,
    maximumAttempts: s.maximumAttempts || null,
    step: s.progress?.step ?? null,
    totalSteps: s.progress?.totalSteps ?? null,
    since: iso(s.startedAt ?? s.scheduledAt),
    lastHeartbeat: iso(s.lastHeartbeat),
  };
}

export function workersJson(f: FleetSnapshot) {
  const queues = f.queues.map((q) => {
    const onQueue = f.stages.filter((s) => s.taskQueue === q.name);
    const executing = onQueue.filter(
      (s) => s.state === 'started' || s.state === 'cancel-requested',
    );
    const identities = new Set<string>([
      ...q.pollers.map((p) => p.identity),
      ...(f.workers ?? []).filter((w) => w.taskQueue === q.name).map((w) => w.identity),
      ...executing.flatMap((s) => (s.worker ? [s.worker] : [])),
    ]);
    const workers = [...identities].sort().map((identity) => {
      const poller = q.pollers.find((p) => p.identity === identity);
      const hb = (f.workers ?? []).find((w) => w.identity === identity && w.taskQueue === q.name);
      const mine = executing.filter((s) => s.worker === identity);
      // The budget as the worker's newest stage heartbeat reported it (any queue: one process).
      const reported = f.stages
        .filter((s) => s.worker === identity && s.workerMemory && s.lastHeartbeat)
        .sort((a, b) => b.lastHeartbeat!.getTime() - a.lastHeartbeat!.getTime())[0];
      return {
        identity,
        host: hb?.host ?? identity.split('@')[1]?.split(' ')[0] ?? null,
        status: hb?.status ?? null,
        polls: poller?.types ?? [],
        lastPoll: iso(poller?.lastAccess),
        heartbeatAt: iso(hb?.heartbeatAt),
        startedAt: iso(hb?.startedAt),
        slots: hb?.activitySlots ?? null,
        hostMemoryUsed: hb?.hostMemoryUsed ?? null,
        // Known while the worker runs a stage (its heartbeats carry it); null otherwise.
        memory: reported?.workerMemory ?? null,
        executing: mine.map(stageJson),
      };
    });
    const queued = onQueue
      .filter((s) => s.state === 'scheduled')
      .map((s) => ({
        ...stageJson(s),
        since: iso(s.scheduledAt),
        reason: explainQueued(s, q.name, q.kind, f, f.at),
      }));
    return { kind: q.kind, name: q.name, backlog: q.backlog ?? null, workers, queued };
  });
  return {
    namespace: f.namespace,
    at: f.at.toISOString(),
    workerHeartbeats: f.workers !== null,
    queues,
    openRuns: f.openRuns.map((r) => ({
      run: r.run,
      workflowId: r.workflowId,
      pipeline: r.pipeline ?? null,
      taskQueue: r.taskQueue,
      startedAt: r.startedAt.toISOString(),
    })),
  };
}

export type WorkersJson = ReturnType<typeof workersJson>;

const gb = (bytes: number) => (bytes / 2 ** 30).toFixed(1);

const since = (iso: string | null, now: number) =>
  iso ? `${ago(now - new Date(iso).getTime())} ago` : 'never';

export function workersText(j: WorkersJson): string[] {
  const now = new Date(j.at).getTime();
  const out: string[] = [`namespace ${j.namespace}, ${j.at}`];
  for (const q of j.queues) {
    const backlog = q.backlog !== null ? `, backlog ${q.backlog}` : '';
    out.push('', `${q.name} (${q.kind}): ${q.workers.length} worker(s)${backlog}`);
    if (q.workers.length === 0) out.push(`  no worker polls ${q.name}`);
    for (const w of q.workers) {
      const parts = [w.identity.padEnd(20)];
      parts.push(w.lastPoll ? `last poll ${since(w.lastPoll, now)}` : 'not polling');
      if (w.status && w.status !== 'running') parts.push(w.status);
      if (w.slots) parts.push(`slots ${w.slots.used}/${w.slots.used + w.slots.available} in use`);
      if (w.heartbeatAt) parts.push(`heartbeat ${since(w.heartbeatAt, now)}`);
      if (w.memory) parts.push(`memory ${gb(w.memory.inUseBytes)}/${gb(w.memory.budgetBytes)} GB`);
      if (w.hostMemoryUsed !== null)
        parts.push(`host memory ${Math.round(w.hostMemoryUsed * 100)}%`);
      out.push(`  ${parts.join('  ')}`);
      for (const s of w.executing) {
        const step =
          s.step !== null ? `  step ${s.step}${s.totalSteps ? `/${s.totalSteps}` : ''}` : '';
        const started = s.since ? `  since ${clockTime(new Date(s.since))}` : '';
        const beat = s.lastHeartbeat ? `  heartbeat ${since(s.lastHeartbeat, now)}` : '';
        out.push(
          `    running ${s.run}/${s.node} (${s.stage})  attempt ${s.attempt}${step}${started}${beat}`,
        );
      }
    }
    for (const s of q.queued) {
      const started = s.since ? ` since ${clockTime(new Date(s.since))}` : '';
      out.push(`  queued ${s.run}/${s.node} (${s.stage})${started}: ${s.reason.text}`);
    }
  }
  out.push('');
  if (j.openRuns.length === 0) out.push('open runs: none');
  else {
    out.push(`open runs (${j.openRuns.length}):`);
    for (const r of j.openRuns) {
      out.push(
        `  ${r.run.padEnd(24)} ${(r.pipeline ?? '').padEnd(14)} since ${r.startedAt}  on ${r.taskQueue}`,
      );
    }
  }
  if (!j.workerHeartbeats)
    out.push('', '(this server does not list worker heartbeats: slots are not shown)');
  return out;
}
