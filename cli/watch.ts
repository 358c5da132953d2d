// Live progress of a run, from the workflow's node table and the pending activities' heartbeat
// details (describeRun): one line per node, a bar for stages that report steps, and for a stage
// that waits or went silent, why (the fleet: pollers, busy slots, stopped workers).
import type { Client } from '@temporalio/client';
import { describeRun, type NodeProgress, type RunDescription } from '../client/describe-run.js';
import { fleetSnapshot, type FleetSnapshot } from '../client/fleet.js';
import { explainQueued, explainStarted, type WaitReason } from '../client/stage-wait.js';
import { TASK_QUEUES, type QueueKind } from '../pipeline/task-queues.js';

function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** `[#####-----] 30/60 loss 6.12  1234 tok/s  ETA 1m20s` for a node with heartbeat progress. */
export function progressText(n: NodeProgress, width = 20): string {
  const p = n.live?.progress;
  if (!p || p.step === undefined) return '';
  const total = p.totalSteps;
  const parts: string[] = [];
  if (total) {
    const done = Math.min(width, Math.round((p.step / total) * width));
    parts.push(`[${'#'.repeat(done)}${'-'.repeat(width - done)}] ${p.step}/${total}`);
  } else parts.push(`step ${p.step}`);
  if (p.loss !== undefined && p.loss !== null && Number.isFinite(p.loss))
    parts.push(`loss ${p.loss.toFixed(3)}`);
  if (p.tokensPerSec) parts.push(`${Math.round(p.tokensPerSec)} tok/s`);
  if (total && p.tokens && p.tokensPerSec && p.step > 0) {
    const secondsPerStep = p.tokens / p.step / p.tokensPerSec;
    parts.push(`ETA ${clock((total - p.step) * secondsPerStep)}`);
  }
  if (n.live && n.live.attempt > 1) parts.push(`attempt ${n.live.attempt}`);
  return parts.join('  ');
}

export function nodeLine(n: NodeProgress, reason?: WaitReason): string {
  const took =
    n.startedAt && n.endedAt ? clock((n.endedAt - n.startedAt) / 1000).padStart(7) : ''.padStart(7);
  // The workflow counts a node as running once its activity is scheduled; until a worker picks
  // it up (a gpu worker trains one stage at a time) it is waiting in the task queue.
  const queued = n.state === 'running' && n.live?.state === 'scheduled';
  const state = queued ? 'queued' : n.state;
  const detail = queued
    ? (reason?.text ??
      `waiting for a ${n.queue} worker${n.live?.lastFailure ? ` (last attempt: ${n.live.lastFailure})` : ''}`)
    : n.state === 'running'
      ? [progressText(n), reason ? `(!) ${reason.text}` : ''].filter(Boolean).join('  ')
      : (n.error ?? '');
  return `  ${n.id.padEnd(20)} ${n.stage.padEnd(13)} ${state.padEnd(10)} ${took}  ${detail}`.trimEnd();
}

export function runLines(
  d: RunDescription,
  reasons: Map<string, WaitReason> = new Map(),
): string[] {
  const elapsed = ((d.closeTime ?? new Date()).getTime() - d.startTime.getTime()) / 1000;
  const note = tableNote(d);
  return [
    `${d.runName} (${d.dagName}): ${d.status.toLowerCase()}  ${clock(elapsed)}`,
    ...(note ? [note] : []),
    ...d.nodes.map((n) => nodeLine(n, reasons.get(n.id))),
  ];
}

function tableNote(d: RunDescription): string | undefined {
  if (!d.tableUnavailable) return undefined;
  return (
    `  (node table not current: its query failed, ${d.tableUnavailable}; it needs a worker ` +
    "of the run's cpu queue, which runs the workflow: is one up? elo workers; elo worker --queues cpu)"
  );
}

export interface WatchOptions {
  intervalMs?: number;
  out?: NodeJS.WriteStream;
  /** Task queue names the run's stages use, where the server does not report them. */
  queues?: Partial<Record<QueueKind, string>>;
  /** Messages to print once, above the table (the demo's worker supervision). */
  notices?: () => string[];
  /** A reason to stop watching (the run goes on): watchRun then throws it as an Error. */
  stop?: () => string | undefined;
}

/**
 * How often the fleet is looked at (it describes every open run): often while a stage is queued,
 * rarely while stages run (only to notice a worker whose own heartbeat stopped).
 */
const FLEET_QUEUED_MS = 5_000;
const FLEET_RUNNING_MS = 30_000;

/**
 * Redraws the table in place on a terminal; elsewhere (logs, CI) prints a line whenever a node
 * changes state or the reason it waits changes, and a running stage's new step at most every
 * 15 s. Returns when the run closes.
 */
export async function watchRun(
  client: Client,
  runName: string,
  opts: WatchOptions = {},
): Promise<RunDescription> {
  const out = opts.out ?? process.stdout;
  const interval = opts.intervalMs ?? 1000;
  let drawn = 0;
  const states = new Map<string, string>();
  const steps = new Map<string, number>();
  let lastProgress = 0;
  const reasonsOf = stageReasons(client, opts.queues);
  let table: RunDescription | undefined;
  let lastNote = '';
  for (;;) {
    const d = withLastTable(await describeRun(client, runName), table);
    if (!d.tableUnavailable) table = d;
    const reasons = await reasonsOf(d);
    const notices = opts.notices?.() ?? [];
    if (out.isTTY) {
      const lines = runLines(d, reasons);
      if (drawn) out.write(`\x1b[${drawn}A\x1b[J`);
      // Notices stay on screen: they are printed above the table, which is redrawn below them.
      for (const line of notices) out.write(line + '\n');
      out.write(lines.join('\n') + '\n');
      drawn = lines.length;
    } else {
      for (const line of notices) out.write(line + '\n');
      const note = tableNote(d) ?? '';
      if (note !== lastNote && note) out.write(note + '\n');
      lastNote = note;
      const now = Date.now();
      const showProgress = now - lastProgress > 15_000;
      for (const n of d.nodes) {
        const reason = reasons.get(n.id);
        const state = `${n.state}/${n.live?.state ?? ''}/${reason?.kind ?? ''}`;
        const changed = states.get(n.id) !== state;
        const step = n.live?.progress?.step;
        const moved = step !== undefined && steps.get(n.id) !== step;
        if (changed || (showProgress && n.state === 'running' && moved)) {
          out.write(nodeLine(n, reason) + '\n');
          if (!changed) lastProgress = now;
          if (step !== undefined) steps.set(n.id, step);
        }
        states.set(n.id, state);
      }
    }
    if (d.status !== 'RUNNING') return d;
    const stop = opts.stop?.();
    if (stop) throw new Error(stop);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * When the node table could not be queried this time, the last one seen, with the stages' fresh
 * pending state joined in: the watch keeps its rows (and says the table is not current).
 */
export function withLastTable(d: RunDescription, last: RunDescription | undefined): RunDescription {
  if (!d.tableUnavailable || !last) return d;
  const pending = new Map(d.nodes.map((n) => [n.id, n.live] as const));
  const nodes = last.nodes.map((n) => {
    const { live: _old, ...rest } = n;
    const live = pending.get(n.id);
    return live ? { ...rest, live } : rest;
  });
  return { ...d, runName: last.runName, dagName: last.dagName, nodes };
}

/**
 * Per waiting or silent node, why (client/stage-wait.ts). The fleet snapshot behind it is taken
 * only while some stage is queued or running, at most every few seconds; a silent stage is caught
 * from its own heartbeat time without it.
 */
export function stageReasons(
  client: Client,
  queues: Partial<Record<QueueKind, string>> = {},
): (d: RunDescription) => Promise<Map<string, WaitReason>> {
  let fleet: FleetSnapshot | undefined;
  let takenAt = 0;
  return async (d) => {
    const reasons = new Map<string, WaitReason>();
    const live = d.nodes.filter((n) => n.state === 'running' && n.live);
    if (live.length === 0) return reasons;
    const now = new Date();
    const queued = live.some((n) => n.live!.state === 'scheduled');
    if (now.getTime() - takenAt >= (queued ? FLEET_QUEUED_MS : FLEET_RUNNING_MS)) {
      // An unanswered fleet query must not stop the watch: the table goes on without reasons.
      fleet = await fleetSnapshot(client, { queues }).catch(() => fleet);
      takenAt = now.getTime();
    }
    for (const n of live) {
      const p = n.live!;
      const queue = p.taskQueue ?? queues[n.queue] ?? TASK_QUEUES[n.queue];
      const reason =
        p.state === 'scheduled'
          ? fleet && explainQueued({ ...p, run: d.runName }, queue, n.queue, fleet, now)
          : explainStarted(p, queue, fleet, now);
      if (reason) reasons.set(n.id, reason);
    }
    return reasons;
  };
}
