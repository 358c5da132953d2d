// Expensive inputs the bench builds once (prepared token shards) live
// in the git-ignored .tools/bench/<name>-<hash of what made them>/, written to a temporary folder
// and renamed, so an interrupted build never leaves a half folder that looks finished.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256Json } from '../formats/sha256.js';
import { toolsDir } from '../infra/project-paths.js';

export const BENCH_CACHE_DIR = path.join(toolsDir, 'bench');

/** The folder for `name` built from `recipe`; built by `build(tmpDir)` when absent. */
export async function cachedFolder(
  name: string,
  recipe: unknown,
  build: (dir: string) => Promise<void>,
): Promise<{ dir: string; cached: boolean }> {
  const dir = path.join(BENCH_CACHE_DIR, `${name}-${sha256Json(recipe).slice(0, 12)}`);
  if (await stat(dir).catch(() => null)) return { dir, cached: true };
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, cached: false };
}
