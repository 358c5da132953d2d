// Local scratch space: stages stage their outputs and fetch their inputs here, checkpoints are
// staged and verified here. One place, so ELO_SCRATCH moves all of it (a bigger disk, a tmpfs).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The folder scratch space lives in: ELO_SCRATCH, else the system's temp folder. */
export function scratchRoot(): string {
  return process.env['ELO_SCRATCH'] ?? os.tmpdir();
}

/** Runs `fn` with a fresh local folder that is removed afterwards, whatever happens. */
export async function withScratch<T>(
  fn: (dir: string) => Promise<T>,
  prefix = 'elo-stage-',
): Promise<T> {
  const dir = await mkdtemp(path.join(scratchRoot(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
