import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every regular file under `dir`, as sorted slash-separated relative paths. */
export async function listLocalFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
