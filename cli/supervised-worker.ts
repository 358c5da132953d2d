// The demo's own worker process, watched: when it exits without being asked to (the kernel's OOM
// killer, a crash), the demo says so at once — exit code or signal, the log's path and its last
// lines — and what happens next: restarted (the attempt it ran times out on its heartbeat and
// resumes from its last checkpoint on the new process), or, after too many exits, given up on
// (the demo stops waiting, names the run left open and how to cancel it).
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface SupervisedWorkerOptions {
  spawn: () => ChildProcess;
  logFile: string;
  /** Restarts before giving up (default 2). */
  maxRestarts?: number;
  /** The run the demo follows, for the give-up message. */
  runName: string;
}

/** `code 1`, `signal SIGKILL (137)`: how a process ended, in the words `$?` would use. */
export function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const n = { SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6, SIGINT: 2 }[signal as string];
    const hint = signal === 'SIGKILL' ? '; the kernel OOM killer ends processes this way' : '';
    return `signal ${signal}${n ? ` (exit status ${128 + n})` : ''}${hint}`;
  }
  return `exit code ${code ?? '?'}`;
}

export async function logTail(file: string, lines = 5): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).filter(Boolean);
}

/**
 * The engine's one-line backend log (`[engine] backend: tensorflow (…)`) that the worker wrote
 * after `fromByte` (the log is appended to across demos), so the demo's own output says which
 * backend trained: a WASM fallback should not go unnoticed in a worker log.
 */
export async function engineBackendLine(
  file: string,
  fromByte: number,
): Promise<string | undefined> {
  const text = (await readFile(file).catch(() => Buffer.alloc(0)))
    .subarray(fromByte)
    .toString('utf8');
  const lines = text.split('\n').filter((l) => l.startsWith('[engine] '));
  return lines.at(-1);
}

export class SupervisedWorker {
  private child: ChildProcess;
  private readonly pending: string[] = [];
  private exits = 0;
  private stopping = false;
  private gaveUp: string | undefined;

  constructor(private readonly opts: SupervisedWorkerOptions) {
    this.child = this.start();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Messages since the last call, to print once. */
  notices(): string[] {
    return this.pending.splice(0);
  }

  /** Set once the worker exited more often than it may be restarted. */
  failure(): string | undefined {
    return this.gaveUp;
  }

  private start(): ChildProcess {
    const child = this.opts.spawn();
    child.once('exit', (code, signal) => void this.exited(child, code, signal));
    return child;
  }

  private async exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (this.stopping) return;
    this.exits += 1;
    const max = this.opts.maxRestarts ?? 2;
    const tail = await logTail(this.opts.logFile);
    const lines = [
      `the demo's worker (pid ${child.pid}) exited: ${exitText(code, signal)}; log: ${this.opts.logFile}`,
      ...tail.map((l) => `    | ${l}`),
    ];
    if (this.stopping) return;
    if (this.exits <= max) {
      this.child = this.start();
      lines.push(
        `  restarted it (pid ${this.child.pid}, restart ${this.exits} of ${max}): a stage it was ` +
          'running times out on its heartbeat and is retried there, from its last checkpoint',
      );
    } else {
      const run = this.opts.runName;
      this.gaveUp =
        `the demo's worker exited ${this.exits} times (last: ${exitText(code, signal)}; log ` +
        `${this.opts.logFile}); not restarting it. Run ${run} stays open: cancel it with ` +
        `\`elo cancel ${run}\`, or start a worker (\`elo worker\`) and follow it with \`elo watch ${run}\``;
      lines.push(`  not restarting it: the demo stops waiting`);
    }
    this.pending.push(...lines);
  }

  /** SIGTERM (training checkpoints, attempts handed back) and wait for the exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
