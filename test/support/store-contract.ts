import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MANIFEST_NAME } from '../../storage/artifact-ref.js';
import {
  ArtifactExistsError,
  ArtifactNotFoundError,
  CorruptArtifactError,
} from '../../storage/errors.js';
import { sha256File } from '../../storage/hashing.js';
import type { StoreHarness } from './store-harness.js';

const childScript = fileURLToPath(new URL('./store-child.js', import.meta.url));
const MiB = 1024 * 1024;

/** The one suite every ArtifactStore implementation must pass. */
export function runStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`artifact store contract: ${name}`, () => {
    let h: StoreHarness;
    let scratch: string;
    let n = 0;
    const key = (label: string) =>
      `contract/${process.pid}-${Date.now().toString(36)}-${++n}/${label}`;

    before(async () => {
      h = await makeHarness();
      scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-store-'));
    });
    after(async () => {
      await h.cleanup();
      await rm(scratch, { recursive: true, force: true });
    });

    it('commits small files and reads them back verified', async () => {
      const k = key('metrics');
      const ref = await h.store.commitFiles(
        k,
        [
          { path: 'metrics.json', data: '{"loss":1.5}' },
          { path: 'nested/notes.txt', data: Buffer.from('한국어 text') },
        ],
        { producer: 'test', meta: { stage: 'eval' } },
      );
      assert.equal(ref.uri, h.store.uriFor(k));
      assert.match(ref.sha256, /^[0-9a-f]{64}$/);
      assert.equal(ref.bytes, 12 + Buffer.byteLength('한국어 text'));
      assert.deepEqual(ref.meta, { stage: 'eval' });
      assert.equal((await h.store.readFile(k, 'nested/notes.txt')).toString(), '한국어 text');
      assert.deepEqual(await h.store.refOf(k), ref);
      assert.equal(h.store.keyOf(ref.uri), k);
      // The digest is of the content: the same files and meta under another key, by another
      // producer, later, have the same sha256 (so caches downstream stay valid).
      const twin = await h.store.commitFiles(
        key('metrics-twin'),
        [
          { path: 'nested/notes.txt', data: '한국어 text' },
          { path: 'metrics.json', data: '{"loss":1.5}' },
        ],
        { producer: 'another', meta: { stage: 'eval' } },
      );
      assert.equal(twin.sha256, ref.sha256);
      assert.ok((await h.store.list(path.posix.dirname(k))).includes(k));
    });

    it('round-trips a folder byte for byte', async () => {
      const src = path.join(scratch, 'src-folder');
      await mkdir(path.join(src, 'a', 'b'), { recursive: true });
      const files = {
        'config.json': randomBytes(100),
        'a/b/weights.bin': randomBytes(3 * MiB),
        'a/x.txt': Buffer.from(''),
      };
      for (const [rel, data] of Object.entries(files)) await writeFile(path.join(src, rel), data);
      const k = key('model');
      const ref = await h.store.commitFolder(k, src, { producer: 'test' });
      assert.equal(ref.bytes, 100 + 3 * MiB);
      const out = path.join(scratch, 'out-folder');
      const manifest = await h.store.fetchFolder(k, out);
      assert.deepEqual(
        manifest.files.map((f) => f.path),
        ['a/b/weights.bin', 'a/x.txt', 'config.json'],
      );
      for (const [rel, data] of Object.entries(files))
        assert.deepEqual(await readFile(path.join(out, rel)), data);
    });

    it('is idempotent for identical content and refuses to overwrite different content', async () => {
      const k = key('immutable');
      const first = await h.store.commitFiles(k, [{ path: 'a.txt', data: 'one' }], {
        producer: 'test',
      });
      const again = await h.store.commitFiles(k, [{ path: 'a.txt', data: 'one' }], {
        producer: 'test',
      });
      assert.equal(again.sha256, first.sha256);
      await assert.rejects(
        h.store.commitFiles(k, [{ path: 'a.txt', data: 'two' }], { producer: 'test' }),
        (err: Error) => err instanceof ArtifactExistsError && err.message.includes(k),
      );
      assert.equal(
        (await h.store.readFile(k, 'a.txt')).toString(),
        'one',
        'the committed file is untouched',
      );
    });

    it('does not see files without a manifest, nor a manifest that is not valid', async () => {
      const k = key('half-written');
      await h.rawPut(k, 'weights.bin', randomBytes(1000));
      assert.equal(await h.store.refOf(k), undefined);
      assert.ok(!(await h.store.list(path.posix.dirname(k))).includes(k));
      await assert.rejects(
        h.store.fetchFolder(k, path.join(scratch, 'nope')),
        ArtifactNotFoundError,
      );
      await h.rawPut(k, MANIFEST_NAME, Buffer.from('{"format":"elo-artifact/1","files":[{"path"'));
      assert.equal(await h.store.readManifest(k), undefined);
      assert.ok(!(await h.store.list(path.posix.dirname(k))).includes(k));
    });

    it('rejects a corrupted file, naming the artifact and the file, and leaves no partial copy', async () => {
      const k = key('corrupt');
      await h.store.commitFiles(k, [{ path: 'model.safetensors', data: randomBytes(4096) }], {
        producer: 'test',
      });
      await h.rawPut(k, 'model.safetensors', randomBytes(4096));
      const out = path.join(scratch, 'corrupt-out');
      await assert.rejects(h.store.fetchFolder(k, out), (err: Error) => {
        assert.ok(err instanceof CorruptArtifactError);
        assert.match(
          err.message,
          new RegExp(`${k}.*model\\.safetensors.*does not match its manifest`),
        );
        return true;
      });
      await assert.rejects(readFile(path.join(out, 'model.safetensors')), /ENOENT/);
      await assert.rejects(h.store.readFile(k, 'model.safetensors'), CorruptArtifactError);
    });

    it('a writer killed mid-upload leaves nothing a reader trusts, and the cleaner removes it', async () => {
      const src = path.join(scratch, 'kill-src');
      await mkdir(src, { recursive: true });
      for (let i = 0; i < 8; i++) await writeRandomFile(path.join(src, `shard-${i}.bin`), 12 * MiB);
      const k = key('killed');
      const child = spawn(process.execPath, ['--expose-gc', childScript, h.uri, 'commit', k, src], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: process.env,
      });
      const exited = once(child, 'exit');
      // Kill once the writer is visibly under way: some but not all files are there.
      for (let tries = 0; tries < 400; tries++) {
        if ((await h.rawList(k)).length >= 3) break;
        await sleep(25);
      }
      child.kill('SIGKILL');
      const [, signal] = (await exited) as [number | null, string | null];
      assert.equal(signal, 'SIGKILL', 'the writer must still have been running when killed');
      assert.ok((await h.rawList(k)).length > 0, 'the killed writer left files behind');
      assert.ok(!(await h.rawList(k)).includes(MANIFEST_NAME));
      assert.equal(await h.store.refOf(k), undefined);
      assert.ok(!(await h.store.list(path.posix.dirname(k))).includes(k));

      const removed = await h.store.cleanUncommitted(path.posix.dirname(k), { olderThanMs: 0 });
      assert.ok(removed.length > 0);
      assert.deepEqual(await h.rawList(k), []);
    });

    it('round-trips a ≥ 100 MB artifact with bounded memory', async () => {
      const src = path.join(scratch, 'big-src');
      await mkdir(src, { recursive: true });
      await writeRandomFile(path.join(src, 'model-00001.bin'), 100 * MiB);
      await writeRandomFile(path.join(src, 'model-00002.bin'), 10 * MiB);
      const out = path.join(scratch, 'big-out');
      const k = key('big');
      const child = spawn(
        process.execPath,
        ['--expose-gc', childScript, h.uri, 'roundtrip', k, src, out],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: process.env,
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
      const result = JSON.parse(stdout) as {
        ref: { bytes: number };
        peakExternalBytes: number;
        peakRssBytes: number;
      };
      assert.equal(result.ref.bytes, 110 * MiB);
      for (const f of ['model-00001.bin', 'model-00002.bin']) {
        assert.deepEqual(await sha256File(path.join(out, f)), await sha256File(path.join(src, f)));
      }
      // Holding the 100 MB file (let alone all 110 MB) in memory would blow through this bound.
      assert.ok(
        result.peakExternalBytes < 64 * MiB,
        `buffers peaked at ${(result.peakExternalBytes / MiB).toFixed(1)} MiB`,
      );
      await h.store.delete(k);
      assert.equal(await h.store.refOf(k), undefined);
      assert.deepEqual(await h.rawList(k), []);
    });
  });
}

async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  for (let left = bytes; left > 0; left -= MiB) {
    if (!out.write(randomBytes(Math.min(MiB, left)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
