import { execFileSync } from 'node:child_process';
import { projectRoot } from '../infra/project-paths.js';

let cached: string | undefined;

/** The code a run was started with: $ELO_CODE_VERSION, else the git commit (+dirty), else unknown. */
export function codeVersion(env: NodeJS.ProcessEnv = process.env): string {
  if (env['ELO_CODE_VERSION']) return env['ELO_CODE_VERSION'];
  if (cached) return cached;
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: 'pipe' }).trim();
    const sha = git('rev-parse', 'HEAD');
    cached = git('status', '--porcelain', '--untracked-files=no') ? `${sha}-dirty` : sha;
  } catch {
    cached = 'unknown';
  }
  return cached;
}
