import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { projectRoot } from '../../infra/project-paths.js';
// Sets ELO_STAGE_PACK in this process's environment, which the processes started here inherit.
import './toy-stages.js';

/** A real `elo` worker process (cpu and gpu queues), started and ready, with its whole log kept. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  log(): string;
  /** SIGTERM, then waits for its exit; returns the log. */
  stop(): Promise<string>;
}

/** Spawns `dist/workers/all.js` with exactly `env` and resolves once it says it polls. */
export async function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist', 'workers', 'all.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited before it was ready (${signal ?? code}):\n${log}`)),
    );
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('elo all worker:')) resolve();
    });
  });
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      return log;
    },
  };
}
