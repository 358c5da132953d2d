import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { nvidiaGpuVisible } from '../../../engine/gpu-visible.js';

const run = promisify(execFile);
const distDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const projectRoot = path.join(distDir, '..');

/** initBackend() in a fresh process (tfjs has one global engine per process). */
async function select(env: Record<string, string>, engineDir = path.join(distDir, 'engine')) {
  const backendJs = pathToFileURL(path.join(engineDir, 'backend.js')).href;
  const code = `const { initBackend } = await import(${JSON.stringify(backendJs)});
const info = await initBackend();
console.log(JSON.stringify(info));`;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, ...env },
    });
    return { ok: true, info: JSON.parse(stdout.trim()), stderr };
  } catch (err) {
    return { ok: false, info: null, stderr: (err as { stderr: string }).stderr };
  }
}

describe('backend selection', () => {
  let bare: string;
  before(async () => {
    // A copy of the compiled engine whose node_modules lacks tfjs-node: what a machine where the
    // native setup failed looks like (every other package links to the real one).
    bare = await mkdtemp(path.join(os.tmpdir(), 'elo-no-native-'));
    const modules = path.join(bare, 'node_modules');
    await mkdir(path.join(modules, '@tensorflow'), { recursive: true });
    for (const entry of await readdir(path.join(projectRoot, 'node_modules'))) {
      if (entry === '@tensorflow') continue;
      await symlink(path.join(projectRoot, 'node_modules', entry), path.join(modules, entry));
    }
    for (const entry of await readdir(path.join(projectRoot, 'node_modules', '@tensorflow'))) {
      if (entry.startsWith('tfjs-node')) continue;
      const from = path.join(projectRoot, 'node_modules', '@tensorflow', entry);
      await symlink(from, path.join(modules, '@tensorflow', entry));
    }
    await cp(path.join(distDir, 'engine'), path.join(bare, 'dist', 'engine'), { recursive: true });
  });
  after(async () => {
    await rm(bare, { recursive: true, force: true });
  });

  it('auto: native TensorFlow, logged in one line with its version and threads', async () => {
    const r = await select({ ELO_BACKEND: '' });
    assert.ok(r.ok, r.stderr);
    const expected = nvidiaGpuVisible() ? 'tensorflow-gpu' : 'tensorflow';
    assert.equal(
      r.info.name,
      expected,
      `npm run setup:native should have installed it: ${r.stderr}`,
    );
    assert.equal(r.info.tfName, 'tensorflow');
    assert.deepEqual(r.info.skipped, []);
    assert.equal(r.info.native.tfVersion, '2.21.0');
    assert.equal(r.info.native.interOpThreads, 2);
    assert.equal(r.info.native.deterministicOps, true);
    assert.match(
      r.stderr,
      new RegExp(`\\[engine\\] backend: ${expected} \\(TensorFlow 2\\.21\\.0, \\d+ threads`),
    );
  });

  it('auto without the native package: a visible warning with the fix, then WASM', async () => {
    const r = await select({ ELO_BACKEND: '' }, path.join(bare, 'dist', 'engine'));
    assert.ok(r.ok, r.stderr);
    assert.equal(r.info.name, 'wasm');
    assert.deepEqual(
      r.info.skipped.map((s: { name: string }) => s.name),
      nvidiaGpuVisible() ? ['tensorflow-gpu', 'tensorflow'] : ['tensorflow'],
    );
    assert.match(
      r.stderr,
      /\[engine\] WARNING: tensorflow unavailable \(@tensorflow\/tfjs-node is not installed\); run `npm run setup:native`/,
    );
    assert.match(r.stderr, /\[engine\] backend: wasm \(skipped: /);
  });

  it('ELO_BACKEND forces one', async () => {
    const r = await select({ ELO_BACKEND: 'cpu' });
    assert.ok(r.ok, r.stderr);
    assert.equal(r.info.name, 'cpu');
    assert.equal(r.info.tfName, 'cpu');
    assert.deepEqual(r.info.skipped, []);
  });

  it('ELO_BACKEND=tensorflow where it is not installed: one line naming the fix', async () => {
    const r = await select({ ELO_BACKEND: 'tensorflow' }, path.join(bare, 'dist', 'engine'));
    assert.equal(r.ok, false);
    assert.match(
      r.stderr,
      /ELO_BACKEND=tensorflow: @tensorflow\/tfjs-node is not installed; run `npm run setup:native`.*or use ELO_BACKEND=wasm/,
    );
  });

  it(
    'ELO_BACKEND=tensorflow-gpu without a GPU: one line naming the fix',
    { skip: nvidiaGpuVisible() && 'this machine has a GPU' },
    async () => {
      const r = await select({ ELO_BACKEND: 'tensorflow-gpu' });
      assert.equal(r.ok, false);
      assert.match(
        r.stderr,
        /ELO_BACKEND=tensorflow-gpu: no NVIDIA GPU is visible here .*; use ELO_BACKEND=tensorflow/,
      );
    },
  );

  it('rejects an unknown ELO_BACKEND', async () => {
    const r = await select({ ELO_BACKEND: 'tpu' });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /ELO_BACKEND=tpu: expected auto or one of/);
  });

  it('a bad ELO_TRACE is an error naming it, not a fallback to WASM', async () => {
    const r = await select({ ELO_TRACE: 'off' });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /ELO_TRACE=off: expected 1 .* or 0/);
    assert.doesNotMatch(r.stderr, /backend: wasm/);
  });
});
