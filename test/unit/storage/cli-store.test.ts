import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileStore } from '../../../storage/file-store.js';
import { elo } from '../../support/run-elo.js';

describe('elo store (built CLI)', () => {
  it('lists committed artifacts and cleans what a crashed writer left', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'elo-cli-store-'));
    try {
      const store = new FileStore(root);
      const ref = await store.commitFiles('runs/a/metrics', [{ path: 'm.json', data: '{}' }], {
        producer: 't',
      });
      // A writer that died after two files and before its manifest.
      const dead = path.join(root, 'runs', 'a', 'model');
      await mkdir(dead, { recursive: true });
      await writeFile(path.join(dead, '.uncommitted'), 'x');
      await writeFile(path.join(dead, 'model.safetensors'), 'partial');

      const ls = await elo('store', 'ls', 'runs', '--store', root, '--json');
      assert.equal(ls.code, 0, ls.stderr);
      assert.deepEqual(
        (JSON.parse(ls.stdout) as { key: string; sha256: string }[]).map((r) => [r.key, r.sha256]),
        [['runs/a/metrics', ref.sha256]],
      );

      const young = await elo('store', 'clean', '--store', root);
      assert.equal(young.code, 0, young.stderr);
      assert.match(
        young.stdout,
        /0 uncommitted file\(s\) removed/,
        'fresh writes are spared by default',
      );

      const clean = await elo('store', 'clean', 'runs', '--store', root, '--older-than', '0');
      assert.equal(clean.code, 0, clean.stderr);
      assert.match(clean.stdout, /removed runs\/a\/model\/model\.safetensors/);
      await assert.rejects(readdir(dead), /ENOENT/);
      assert.deepEqual(await store.list('runs'), ['runs/a/metrics']);

      const bad = await elo('store', 'clean', '--store', root, '--older-than', 'soon');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--older-than soon: expected a number of minutes/);
      const badUri = await elo('store', 'ls', '--store', 'gs://bucket/x');
      assert.equal(badUri.code, 2);
      assert.match(badUri.stderr, /unsupported store URI/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
