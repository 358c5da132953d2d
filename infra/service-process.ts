import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tailLines } from './run-command.js';
import { SetupError } from './setup-error.js';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr go here, so a failure can quote it and a person can read it. */
  logFile: string;
  /** Resolves true once the service answers. Polled until readyTimeoutMs. */
  isReady: () => Promise<boolean>;
  readyTimeoutMs: number;
  /** What to tell a person when it does not come up. */
  hint: string;
}

export interface ServiceHandle {
  name: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

// Whatever happens to this process, the servers it started go with it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a long-running server and waits until it answers; never leaves it running on failure. */
export async function startService(spec: ServiceSpec): Promise<ServiceHandle> {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const logFd = openSync(spec.logFile, 'w');
  const child = spawn(spec.command, spec.args, {
    env: spec.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  running.add(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    running.delete(child);
  });
  child.on('error', (err) => (spawnError = err));

  const handle: ServiceHandle = {
    name: spec.name,
    pid: child.pid ?? -1,
    logFile: spec.logFile,
    stop: () => stopChild(child),
  };
  const deadline = Date.now() + spec.readyTimeoutMs;
  for (;;) {
    if (spawnError)
      throw new SetupError(`${spec.name} could not start: ${spawnError.message}`, spec.hint);
    if (exited) {
      throw new SetupError(
        `${spec.name} exited (${exited.signal ?? `code ${exited.code}`}) before it was ready. ` +
          `Last lines of ${spec.logFile}:\n${tailLines(readLog(spec.logFile), 15)}`,
        spec.hint,
      );
    }
    if (await spec.isReady().catch(() => false)) return handle;
    if (Date.now() > deadline) {
      await handle.stop();
      throw new SetupError(
        `${spec.name} did not come up within ${spec.readyTimeoutMs / 1000} s. ` +
          `Last lines of ${spec.logFile}:\n${tailLines(readLog(spec.logFile), 15)}`,
        spec.hint,
      );
    }
    await sleep(250);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // A server that ignores SIGTERM for 10 s is killed: tests must not hang on teardown.
  const killed = sleep(10_000).then(() => child.kill('SIGKILL'));
  await Promise.race([exited, killed]);
  await exited;
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '(no log)';
  }
}
