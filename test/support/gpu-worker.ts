// A real `gpu` worker process (dist/workers/gpu.js) polling a test's queues, for tests that kill,
// stop or replace workers.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../infra/project-paths.js';
import { temporalAddress } from './servers.js';
// Sets ELO_STAGE_PACK in this process's environment, which the processes started here inherit.
import './toy-stages.js';

/** Resolves once the worker says it polls; rejects with its output if it exits first. */
export async function startGpuWorker(
  queues: { cpu: string; gpu: string },
  env: Record<string, string> = {},
  /** Gets everything the worker prints (its log lines: warnings a test looks for). */
  onOutput: (text: string) => void = () => {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist', 'workers', 'gpu.js')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      ELO_CPU_QUEUE: queues.cpu,
      ELO_GPU_QUEUE: queues.gpu,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
    onOutput(d.toString());
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      onOutput(d.toString());
      if (output.includes('elo gpu worker:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`gpu worker exited (${code}):\n${output}`)));
  });
  return child;
}
