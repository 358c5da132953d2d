import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseFailpoints, trigger } from '../../../engine/train/failpoints.js';
import { projectRoot } from '../../../infra/project-paths.js';

describe('training failpoints', () => {
  it('parses site=step:action lists and names a bad entry', () => {
    assert.deepEqual(parseFailpoints(undefined), []);
    assert.deepEqual(parseFailpoints(' '), []);
    assert.deepEqual(parseFailpoints('train.step=25:kill, train.checkpoint=20:hold'), [
      { site: 'train.step', step: 25, action: 'kill' },
      { site: 'train.checkpoint', step: 20, action: 'hold' },
    ]);
    for (const bad of ['train.step=25', 'train.epoch=3:kill', 'train.step=0:kill', 'x'])
      assert.throws(
        () => parseFailpoints(`train.step=1:hold,${bad}`),
        (err: Error) => {
          assert.ok(err.message.includes(`"${bad}"`), err.message);
          return true;
        },
      );
  });

  it('holds until asked to stop, and only at its own site and step', async () => {
    const fps = parseFailpoints('train.checkpoint=20:hold');
    let stop = false;
    let asked = 0;
    const shouldStop = () => (asked++, stop);
    await trigger(fps, 'train.step', 20, shouldStop);
    await trigger(fps, 'train.checkpoint', 10, shouldStop);
    assert.equal(asked, 0);
    let released = false;
    const held = trigger(fps, 'train.checkpoint', 20, shouldStop).then(() => (released = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(released, false);
    stop = true;
    await held;
    assert.ok(asked > 1);
  });

  it('kill ends the process with SIGKILL at the step', async () => {
    const module = path.join(projectRoot, 'dist', 'engine', 'train', 'failpoints.js');
    const script = `
      const { parseFailpoints, trigger } = await import(${JSON.stringify(module)});
      const fps = parseFailpoints('train.step=3:kill');
      for (let step = 1; step <= 5; step++) {
        console.log('step', step);
        await trigger(fps, 'train.step', step, () => false);
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL', `exit code ${code}`);
    assert.deepEqual(out.trim().split('\n'), ['step 1', 'step 2', 'step 3']);
  });
});
