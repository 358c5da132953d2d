import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { engineBackendLine } from '../../../cli/supervised-worker.js';

describe("the demo names its worker's engine backend", () => {
  it('takes the last engine line written after the demo started, not an earlier demo’s', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'elo-engine-line-'));
    try {
      const log = path.join(dir, 'demo-worker.log');
      await appendFile(log, '[engine] backend: wasm (fallback)\nother line\n');
      const start = (await stat(log)).size;
      assert.equal(await engineBackendLine(log, start), undefined);
      await appendFile(log, 'worker started\n[engine] backend: tensorflow (TensorFlow 2.21.0)\n');
      assert.equal(
        await engineBackendLine(log, start),
        '[engine] backend: tensorflow (TensorFlow 2.21.0)',
      );
      assert.equal(await engineBackendLine(path.join(dir, 'missing.log'), 0), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
