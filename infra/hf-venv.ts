/**
 * The Python venv with torch + transformers (scripts/hf-crosscheck/requirements.txt, pinned):
 * the reference side of `npm run crosscheck:hf` and the PyTorch peer of `npm run bench`. Created
 * on first use in the tools folder (ELO_TOOLS_DIR, shared by clones): PyPI's Linux torch wheel is
 * the CUDA build, ~4 GB with its libraries, so it is installed once per machine, never in CI.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot, toolsDir } from './project-paths.js';
import { runCommand, tailLines } from './run-command.js';
import { SetupError } from './setup-error.js';

export const HF_REQUIREMENTS = path.join(
  projectRoot,
  'scripts',
  'hf-crosscheck',
  'requirements.txt',
);

/** The venv's python, creating the venv first when it is not there. */
export async function ensureHfVenv(log: (line: string) => void): Promise<string> {
  const venv = path.join(toolsDir, 'hf-venv');
  const python = path.join(venv, 'bin', 'python');
  if (existsSync(python)) return python;
  log(`creating ${venv} (torch + transformers from PyPI; several GB, once)`);
  const tmp = `${venv}.tmp-${process.pid}`;
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', tmp]],
    [path.join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '-q', '-r', HF_REQUIREMENTS]],
  ];
  for (const [cmd, args] of steps) {
    const out = await runCommand(cmd, args, { timeoutMs: 60 * 60_000 });
    if (out.code !== 0) {
      await rm(tmp, { recursive: true, force: true });
      throw new SetupError(
        `\`${cmd} ${args.join(' ')}\` failed:\n${tailLines(out.stderr, 8)}`,
        'check access to PyPI and the free disk space (~6 GB), then run again',
      );
    }
  }
  // The venv's scripts name their folder; `python -m …` (all we run) works after the move.
  await rename(tmp, venv);
  return python;
}
