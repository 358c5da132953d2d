import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// Sets ELO_STAGE_PACK in this process's environment, which the processes started here inherit.
import './toy-stages.js';

// dist/test/support/ → dist/cli/main.js
const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** Runs the built `elo` command as a user would, capturing its exit code and output. */
export function elo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
