// Live progress of a run, from the workflow's node table and the pending activities' heartbeat
// details (describeRun): one line per node, a bar for stages that report steps.
import type { Client } from '@temporalio/client';
import { describeRun, type NodeProgress, type RunDescription } from '../pipeline/describe-run.js';

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

export function nodeLine(n: NodeProgress): string {
  const took =
    n.startedAt && n.endedAt ? clock((n.endedAt - n.startedAt) / 1000).padStart(7) : ''.padStart(7);
  // The workflow counts a node as running once its activity is scheduled; until a worker picks
  // it up (a gpu worker trains one stage at a time) it is waiting in the task queue.
  const queued = n.state === 'running' && n.live?.state === 'scheduled';
  const state = queued ? 'queued' : n.state;
  const detail = queued
    ? `waiting for a ${n.queue} worker${n.live?.lastFailure ? ` (last attempt: ${n.live.lastFailure})` : ''}`
    : n.state === 'running'
      ? progressText(n)
      : (n.error ?? '');
  return `  ${n.id.padEnd(20)} ${n.stage.padEnd(13)} ${state.padEnd(10)} ${took}  ${detail}`.trimEnd();
}

export function runLines(d: RunDescription): string[] {
  const elapsed = ((d.closeTime ?? new Date()).getTime() - d.startTime.getTime()) / 1000;
  return [
    `${d.runName} (${d.dagName}): ${d.status.toLowerCase()}  ${clock(elapsed)}`,
    ...d.nodes.map(nodeLine),
  ];
}

export interface WatchOptions {
  intervalMs?: number;
  out?: NodeJS.WriteStream;
}

/**
 * Redraws the table in place on a terminal; elsewhere (logs, CI) prints a line whenever a node
 * changes state, and a running stage's new step at most every 15 s. Returns when the run closes.
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
  for (;;) {
    const d = await describeRun(client, runName);
    if (out.isTTY) {
      const lines = runLines(d);
      if (drawn) out.write(`\x1b[${drawn}A\x1b[J`);
      out.write(lines.join('\n') + '\n');
      drawn = lines.length;
    } else {
      const now = Date.now();
      const showProgress = now - lastProgress > 15_000;
      for (const n of d.nodes) {
        const changed = states.get(n.id) !== n.state;
        const step = n.live?.progress?.step;
        const moved = step !== undefined && steps.get(n.id) !== step;
        if (changed || (showProgress && n.state === 'running' && moved)) {
          out.write(nodeLine(n) + '\n');
          if (!changed) lastProgress = now;
          if (step !== undefined) steps.set(n.id, step);
        }
        states.set(n.id, n.state);
      }
    }
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, interval));
  }
}
