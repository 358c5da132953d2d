import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const backendJs = pathToFileURL(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'engine', 'backend.js'),
).href;

/** initBackend() in a fresh process (tfjs has one global engine per process). */
async function select(env: Record<string, string>) {
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
  it('auto: the first backend that loads, in preference order, and logs it', async () => {
    const r = await select({ ELO_BACKEND: '' });
    assert.ok(r.ok, r.stderr);
    const order = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
    const at = order.indexOf(r.info.name);
    assert.ok(at >= 0);
    // Everything preferred over the chosen one was tried and skipped, with a reason.
    assert.deepEqual(
      r.info.skipped.map((s: { name: string }) => s.name),
      order.slice(0, at),
    );
    assert.match(r.stderr, new RegExp(`\\[engine\\] backend: ${r.info.name}`));
  });

  it('ELO_BACKEND forces one', async () => {
    const r = await select({ ELO_BACKEND: 'cpu' });
    assert.ok(r.ok, r.stderr);
    assert.equal(r.info.name, 'cpu');
    assert.equal(r.info.tfName, 'cpu');
    assert.deepEqual(r.info.skipped, []);
  });

  it('rejects an unknown ELO_BACKEND', async () => {
    const r = await select({ ELO_BACKEND: 'tpu' });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /ELO_BACKEND=tpu: expected auto or one of/);
  });
});
