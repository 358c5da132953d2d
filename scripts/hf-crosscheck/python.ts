// Runs the reference side (crosscheck.py, transformers) in the hf-venv; one JSON object per line.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../infra/project-paths.js';

const run = promisify(execFile);
const SCRIPT = path.join(projectRoot, 'scripts', 'hf-crosscheck', 'crosscheck.py');

export async function crosscheckPy(
  python: string,
  ...args: string[]
): Promise<Record<string, unknown>[]> {
  const { stdout } = await run(python, [SCRIPT, ...args], { maxBuffer: 64 << 20 });
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
