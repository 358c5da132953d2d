// Write-to-temp-then-rename: a crash leaves a `.tmp-*` sibling, never a half-written file (or
// folder) under the final name. rename(2) is atomic within one filesystem, hence siblings.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { dirname } from 'node:path';

export function tempSibling(path: string): string {
  return `${path}.tmp-${randomBytes(6).toString('hex')}`;
}

/** Writes a small file (JSON, config, a manifest) atomically; its folder is made if missing. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    await fs.writeFile(tmp, data, { flag: 'wx' });
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}
