import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileStore } from '../../../storage/file-store.js';
import { listLocalFiles } from '../../../storage/local-files.js';
import { runStoreContract } from '../../support/store-contract.js';

runStoreContract('file://', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'elo-file-store-'));
  const store = new FileStore(root);
  return {
    store,
    uri: store.rootUri,
    rawPut: async (key, rel, data) => {
      const file = path.join(root, key, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, data);
    },
    rawList: (key) => listLocalFiles(path.join(root, key)).catch(() => []),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});
