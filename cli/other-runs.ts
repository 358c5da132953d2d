// What `elo demo` says before it starts: the other runs still open in the server it uses (the
// local dev server keeps histories on disk, so an interrupted demo's run is still running), what
// each is doing, and that the demo's worker will serve their stages too — with the commands to
// cancel them. Pure over a fleet snapshot.
import type { FleetSnapshot } from '../client/fleet.js';
import { holderText } from '../client/stage-wait.js';

/** The open runs, other than `ownRun`, whose workflows run on `cpuQueue`: the demo's worker's. */
export function otherRuns(fleet: FleetSnapshot, ownRun: string, cpuQueue: string) {
  return fleet.openRuns.filter((r) => r.run !== ownRun && r.taskQueue === cpuQueue);
}

export function otherRunsLines(
  fleet: FleetSnapshot,
  ownRun: string,
  cpuQueue: string,
  address: string | undefined,
): string[] {
  const others = otherRuns(fleet, ownRun, cpuQueue);
  if (others.length === 0) return [];
  const lines = [
    `${others.length} other run(s) still open in this Temporal server; the demo's worker runs ` +
      'their stages too, and a training stage of theirs may hold the gpu slot before yours:',
  ];
  for (const r of [...others].reverse()) {
    const stages = fleet.stages.filter((s) => s.run === r.run);
    const running = stages.filter((s) => s.state === 'started').map(holderText);
    const queued = stages.filter((s) => s.state === 'scheduled').map((s) => s.nodeId);
    const doing = [
      running.length ? `running ${running.join(', ')}` : '',
      queued.length ? `queued ${queued.join(', ')}` : '',
    ].filter(Boolean);
    lines.push(
      `  ${r.run.padEnd(24)} ${(r.pipeline ?? '').padEnd(8)} since ${r.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` +
        (doing.length ? `  ${doing.join('; ')}` : ''),
    );
  }
  const env = address ? `TEMPORAL_ADDRESS=${address} ` : '';
  lines.push(
    `  cancel them from another shell while the demo runs: ${others
      .map((r) => `${env}npx elo cancel ${r.run}`)
      .join('; ')}`,
    '  or run the demo with --cancel-others',
  );
  return lines;
}
