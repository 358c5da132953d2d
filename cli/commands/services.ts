// `elo worker` and `elo server`: the processes a deployment runs. Workers are their own entry
// point (dist/workers/run-role.js), started here as a child process with the resolved settings,
// so the CLI never loads worker code (and a worker's crash is its own).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { projectRoot } from '../../infra/project-paths.js';
import { startTemporalDevServer, type DevServer } from '../../infra/temporal-dev-server.js';
import { UsageError } from '../errors.js';
import { SEARCH_ATTRIBUTES } from '../../pipeline/search-attributes.js';

const RUN_ROLE = fileURLToPath(new URL('../../workers/run-role.js', import.meta.url));

/** `cpu,gpu` → the worker role that polls those queues. */
export function roleOf(queues: string): 'cpu' | 'gpu' | 'all' {
  const set = new Set(
    queues
      .split(',')
      .map((q) => q.trim())
      .filter(Boolean),
  );
  const bad = [...set].filter((q) => q !== 'cpu' && q !== 'gpu');
  if (bad.length || set.size === 0)
    throw new UsageError(`--queues ${queues}: expected cpu, gpu or cpu,gpu`);
  return set.size === 2 ? 'all' : ([...set][0] as 'cpu' | 'gpu');
}

/** Starts a worker process of `role`; its output goes to `stdio` (inherit, or a log fd). */
export function spawnWorker(
  role: 'cpu' | 'gpu' | 'all',
  stdio: 'inherit' | number = 'inherit',
): ChildProcess {
  // The IPC channel is the worker's lifeline: when this process dies, even by SIGKILL, the
  // channel closes and the worker shuts itself down instead of running on orphaned.
  return spawn(process.execPath, [RUN_ROLE, role], {
    env: process.env,
    stdio: ['ignore', stdio, stdio, 'ipc'],
  });
}

/** The local dev server, persisted in .temporal/ (workflow histories survive restarts). */
export async function startLocalServer(log: (line: string) => void): Promise<DevServer> {
  const stateDir = path.join(projectRoot, '.temporal');
  await mkdir(stateDir, { recursive: true });
  return startTemporalDevServer({
    searchAttributes: SEARCH_ATTRIBUTES,
    dbFile: path.join(stateDir, 'dev.db'),
    ui: true,
    log,
  });
}

const untilSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

export function registerServiceCommands(program: Command): void {
  program
    .command('worker')
    .description(
      'run a worker until Ctrl-C: cpu (workflows, data, detach, evaluate, report), gpu (training)',
    )
    .option('--queues <list>', 'cpu, gpu or cpu,gpu', 'cpu,gpu')
    .action(async (opts: { queues: string }) => {
      const child = spawnWorker(roleOf(opts.queues));
      // Ctrl-C reaches the child too (same process group): stay until its graceful shutdown
      // (training checkpoints, attempts handed back) is done, and exit with its status.
      const wait = () => {};
      process.on('SIGINT', wait);
      process.on('SIGTERM', () => child.kill('SIGTERM'));
      // The worker's own status: 0 after a graceful shutdown, 1 on an error, 128 + n when
      // signal n killed it (the shell's convention), so a supervisor sees every death.
      const code = await new Promise<number>((resolve) =>
        child.on('exit', (c, signal) =>
          resolve(c ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)),
        ),
      );
      process.exitCode = code;
    });

  program
    .command('server')
    .description(
      'the local Temporal dev server (Web UI, persisted to .temporal/dev.db) until Ctrl-C',
    )
    .action(async () => {
      const server = await startLocalServer((line) => console.log(line));
      console.log(`Temporal: ${server.address}  (export TEMPORAL_ADDRESS=${server.address})`);
      if (server.uiUrl) console.log(`Web UI:   ${server.uiUrl}`);
      console.log('Ctrl-C stops it.');
      await untilSignal();
      await server.stop();
    });
}
