import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, NonFiniteLossError } from '../../../engine/errors.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';
import { toyTrainer, weightsSha256 } from './helpers/toy-training.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

describe('checkpoints', () => {
  let scratch: string;
  before(async () => {
    await useBackend(TEST_BACKEND);
    scratch = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'ckpt-'));
  });
  after(async () => rm(scratch, { recursive: true, force: true }));

  it('resume is exact: N steps straight == K steps, new process, resume, finish N (sha256)', async () => {
    const script = path.join(here, 'helpers', 'resume-run.js');
    const child = async (store: string, stopAfter: number) => {
      const { stdout } = await run(process.execPath, [script, store, String(stopAfter), '9']);
      return JSON.parse(stdout.trim().split('\n').pop()!) as {
        resumedFrom: number | null;
        step: number;
        sha256: string;
      };
    };
    const straight = await child(path.join(scratch, 'straight'), 9);
    const storeB = path.join(scratch, 'interrupted');
    const first = await child(storeB, 4);
    const resumed = await child(storeB, 9);
    assert.deepEqual([straight.resumedFrom, straight.step], [null, 9]);
    assert.deepEqual([first.resumedFrom, first.step], [null, 4]);
    assert.deepEqual([resumed.resumedFrom, resumed.step], [4, 9]);
    assert.notEqual(first.sha256, straight.sha256);
    assert.equal(resumed.sha256, straight.sha256);
  });

  it('falls back past corrupt and uncommitted checkpoints to the newest that verifies', async () => {
    const store = path.join(scratch, 'fallback');
    const a = toyTrainer(store, 3, { checkpointEvery: 1 });
    await a.trainer.run();
    const keys = await a.checkpointer.list();
    assert.deepEqual(
      keys.map((k) => k.split('/').pop()),
      ['step-00000003', 'step-00000002', 'step-00000001'],
    );
    const step2 = weightsSha256(a.model);
    // Newest: a flipped byte after commit. A newer one still: files without a manifest (a crash).
    await appendFile(path.join(store, keys[0]!, 'model.safetensors'), 'x');
    await mkdir(path.join(store, 'run/train/checkpoints/step-00000004'), { recursive: true });
    await writeFile(path.join(store, 'run/train/checkpoints/step-00000004/state.json'), '{}');
    a.trainer.dispose();
    a.model.dispose();

    const skipped: string[] = [];
    const b = toyTrainer(store, 3, {}, (line) => skipped.push(line));
    assert.equal(await b.trainer.resume(), true);
    assert.equal(b.trainer.step, 2);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!, /step-00000003/);
    assert.notEqual(weightsSha256(b.model), step2); // the step-2 weights, not the final ones
    b.trainer.dispose();
    b.model.dispose();
  });

  it('refuses a checkpoint whose shapes do not fit the model, naming file and tensor', async () => {
    const store = path.join(scratch, 'mismatch');
    const a = toyTrainer(store, 1);
    await a.trainer.run();
    a.trainer.dispose();
    a.model.dispose();
    const other = LlamaModel.init(
      tinyConfig({ vocabSize: 16, numHiddenLayers: 3, hiddenSize: 64 }),
      1,
    );
    const { checkpointer, trainer, model } = toyTrainer(store, 1);
    await assert.rejects(
      checkpointer.loadLatest(other, trainer.optimizer),
      /step-00000001\/model.safetensors: tensor model.embed_tokens.weight has shape \[16, 32\], expected \[16, 64\]/,
    );
    other.dispose();
    trainer.dispose();
    model.dispose();
    await assert.rejects(
      (async () => {
        const detached = LlamaModel.init(tinyConfig({ vocabSize: 16, numHiddenLayers: 3 }), 1, {
          layers: [0],
        });
        try {
          await checkpointer.loadLatest(detached, trainer.optimizer);
        } finally {
          detached.dispose();
        }
      })(),
      CheckpointError,
    );
  });

  it('keeps the last good checkpoint when the loss turns NaN', async () => {
    const store = path.join(scratch, 'nan');
    const { trainer, model, checkpointer } = toyTrainer(store, 5, { checkpointEvery: 2 });
    let poisoned = false;
    await assert.rejects(
      trainer.run({
        onStep: (s) => {
          if (s.step === 2 && !poisoned) {
            poisoned = true;
            const w = model.weights.get('model.norm.weight');
            tf.tidy(() => w.assign(tf.fill(w.shape, NaN)));
          }
        },
      }),
      (err: unknown) =>
        err instanceof NonFiniteLossError &&
        err.step === 3 &&
        err.lastCheckpoint === 'run/train/checkpoints/step-00000002',
    );
    assert.deepEqual(
      (await checkpointer.list()).map((k) => k.split('/').pop()),
      ['step-00000002'],
    );
    trainer.dispose();
    model.dispose();
  });

  it('does not leak tensors across steps and save/load cycles', async () => {
    const store = path.join(scratch, 'leak');
    const counts: number[] = [];
    const bytes: number[] = [];
    const rss: number[] = [];
    for (let cycle = 0; cycle < 8; cycle++) {
      const { trainer, model } = toyTrainer(store, 3 * (cycle + 1), { checkpointEvery: 1 });
      await trainer.resume();
      await trainer.run();
      trainer.dispose();
      model.dispose();
      counts.push(tf.memory().numTensors);
      bytes.push(tf.memory().numBytes);
      rss.push(process.memoryUsage().rss);
    }
    assert.equal(new Set(counts).size, 1, `numTensors after each cycle: ${counts.join(',')}`);
    assert.equal(new Set(bytes).size, 1, `tensor bytes after each cycle: ${bytes.join(',')}`);
    // Native memory (TensorFlow's own buffers are outside the JS heap): once warm, 24 more steps
    // and 6 more save/load cycles must not grow the process by more than allocator slack.
    const grownMb = (rss.at(-1)! - rss[1]!) / 2 ** 20;
    console.log(`rss per cycle (MB): ${rss.map((r) => (r / 2 ** 20).toFixed(0)).join(',')}`);
    assert.ok(grownMb < 32, `rss grew ${grownMb.toFixed(1)} MB from cycle 2 to 8`);
  });
});
