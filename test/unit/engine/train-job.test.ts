import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenShardWriter } from '../../../formats/index.js';
import { saveModelFolder } from '../../../engine/io/hf-folder.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import {
  runTrainJob,
  runTrainJobInWorker,
  type TrainJob,
} from '../../../engine/train/train-job.js';
import { TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';
import { TOY_CONFIG, toyTokens, toyTrainConfig } from './helpers/toy-training.js';

describe('training jobs', () => {
  let dir: string;
  let job: (name: string) => TrainJob;
  before(async () => {
    await useBackend(TEST_BACKEND);
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'job-'));
    const model = LlamaModel.init(TOY_CONFIG, 1, { initializerRange: 0.1 });
    await saveModelFolder(model, path.join(dir, 'base'));
    model.dispose();
    const w = await TokenShardWriter.create(path.join(dir, 'data.bin'), {
      vocabSize: 16,
      tokenizerHash: 'b'.repeat(64),
    });
    const tokens = toyTokens(700);
    for (let i = 0; i < 700; i += 9) await w.appendDocument(tokens.subarray(i, i + 9), 'ko');
    await w.close();
    job = (name) => ({
      backend: TEST_BACKEND,
      model: { folder: path.join(dir, 'base') },
      data: { shards: [path.join(dir, 'data.bin')], eosTokenId: 1, seqLen: 16, batchSize: 2 },
      selection: { mode: 'freeze-tune', layers: [1, 2] },
      train: toyTrainConfig(5),
      checkpoints: { storeUri: path.join(dir, name, 'store'), prefix: 'ckpt' },
      output: { folder: path.join(dir, name, 'out') },
    });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const sha = async (file: string) =>
    createHash('sha256')
      .update(await readFile(file))
      .digest('hex');

  it('in a worker thread: steps arrive by message; abort checkpoints; a rerun resumes to the same weights', async () => {
    const straight = await runTrainJob(job('straight'));
    assert.equal(straight.step, 5);
    assert.equal(straight.stats.steps, 5);

    const abort = new AbortController();
    const seen: number[] = [];
    const first = await runTrainJobInWorker(job('worker'), {
      onStep: (s) => {
        seen.push(s.step);
        if (s.step === 2) abort.abort();
      },
      signal: abort.signal,
    });
    assert.equal(first.stopped, true);
    assert.ok(first.step >= 2 && first.step < 5, `stopped at ${first.step}`);
    assert.equal(first.outputFolder, null);
    assert.deepEqual(
      seen,
      Array.from({ length: first.step }, (_, i) => i + 1),
    );

    const second = await runTrainJobInWorker(job('worker'));
    assert.equal(second.resumedFrom, first.step);
    assert.equal(second.step, 5);
    assert.equal(
      await sha(path.join(dir, 'worker', 'out', 'model.safetensors')),
      await sha(path.join(dir, 'straight', 'out', 'model.safetensors')),
    );
  });

  it('writes TensorBoard scalars (loss, lr, grad norm, tokens/s) for every step', async () => {
    const logdir = path.join(dir, 'tb', 'events');
    const result = await runTrainJob({ ...job('tb'), tensorboard: { logdir } });
    assert.equal(result.step, 5);
    const files = (await readdir(logdir)).filter((f) => f.startsWith('events.out.tfevents.'));
    assert.equal(files.length, 1, `event files: ${files.join(', ')}`);
    // An event file is TFRecords of Event protos; each scalar's tag is stored as plain bytes.
    const bytes = await readFile(path.join(logdir, files[0]!));
    for (const tag of ['train/loss', 'train/lr', 'train/grad_norm', 'train/tokens_per_sec']) {
      const count = bytes.toString('latin1').split(tag).length - 1;
      assert.equal(count, 5, `${tag}: ${count} events`);
    }
  });

  it('a worker failure rejects with the error', async () => {
    const bad = { ...job('bad'), model: { folder: path.join(dir, 'missing') } };
    await assert.rejects(runTrainJobInWorker(bad), /config.json/);
  });
});
