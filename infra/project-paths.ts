import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled files live in dist/infra/, sources in infra/: walk up to the package.json that is ours.
function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isProjectRoot(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the elo-pipelines package.json above ${dir}`);
    dir = parent;
  }
}

function isProjectRoot(dir: string): boolean {
  try {
    // Synchronous on purpose: resolved once at import time.
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: string;
    };
    return pkg.name === 'elo-pipelines';
  } catch {
    return false;
  }
}

export const projectRoot = findProjectRoot();

/** Project-local tools folder (git-ignored, cached between runs); ELO_TOOLS_DIR overrides it. */
export const toolsDir = process.env['ELO_TOOLS_DIR'] ?? path.join(projectRoot, '.tools');
export const toolsBinDir = path.join(toolsDir, 'bin');
