import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { projectRoot } from '../../../infra/project-paths.js';
import { historyFromJson } from '../../../client/history-json.js';

/** The committed histories (test/histories/*.json, from `npm run record-histories`). */
export async function recordedHistories(): Promise<Array<{ name: string; history: History }>> {
  const dir = path.join(projectRoot, 'test', 'histories');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (f) => ({
      name: f.replace(/\.json$/, ''),
      history: historyFromJson(await readFile(path.join(dir, f), 'utf8')),
    })),
  );
}
