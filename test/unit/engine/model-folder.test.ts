import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { detach, reintegrate, SafetensorsFile } from '../../../formats/index.js';
import { PackedDataLoader } from '../../../engine/train/data-loader.js';
import { selectTrainable } from '../../../engine/train/trainable.js';
import { Trainer } from '../../../engine/train/trainer.js';
import { toyTokens, toyTrainConfig } from './helpers/toy-training.js';
import { evaluate } from '../../../engine/eval.js';
import { loadModelFolder, saveModelFolder } from '../../../engine/io/hf-folder.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import { CORPUS, makeByteLevelBpe } from '../formats/bpe-fixture.js';
import { maxAbsDiff, tokenIds, TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';

const run = promisify(execFile);
const cli = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'cli',
  'main.js',
);

async function elo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, ELO_BACKEND: TEST_BACKEND },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('HF model folders', () => {
  let dir: string;
  before(async () => {
    await useBackend(TEST_BACKEND);
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'folder-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const logitsOf = (m: LlamaModel, ids: Int32Array) =>
    tf.tidy(() => m.forward({ batchSize: 1, seqLen: ids.length, inputIds: ids }).dataSync());

  it('saves a folder that loads back to the same logits, whole or as a subset of layers', async () => {
    const config = tinyConfig({ numHiddenLayers: 3, attentionBias: true, oProjBias: true });
    const model = LlamaModel.init(config, 4, { initializerRange: 0.2 });
    const out = path.join(dir, 'llama');
    await saveModelFolder(model, out, { rawConfig: { custom_field: 'kept' } });
    const raw = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
    assert.equal(raw.custom_field, 'kept');
    assert.equal(raw.num_hidden_layers, 3);
    const ids = tokenIds(9, 128);
    const loaded = await loadModelFolder(out);
    assert.equal(maxAbsDiff(logitsOf(model, ids), logitsOf(loaded, ids)), 0);
    const detached = await loadModelFolder(out, { layers: [0, -1] });
    assert.deepEqual(detached.layerIndices, [0, 2]);
    const sub = LlamaModel.fromHost(config, model.weights.toHost(), { layers: [0, 2] });
    assert.equal(maxAbsDiff(logitsOf(sub, ids), logitsOf(detached, ids)), 0);
    for (const m of [model, loaded, detached, sub]) m.dispose();
  });

  it('ELO round trip: detach, train the detached layers, save, reintegrate', async () => {
    const config = tinyConfig({ numHiddenLayers: 4, vocabSize: 16 });
    const base = LlamaModel.init(config, 6, { initializerRange: 0.3 });
    const baseDir = path.join(dir, 'elo-base');
    await saveModelFolder(base, baseDir);
    const eloDir = path.join(dir, 'elo-detached');
    await detach(baseDir, [0, -1], eloDir);

    const elo = await loadModelFolder(eloDir); // a 2-layer model: base layers 0 and 3
    assert.deepEqual(elo.layerIndices, [0, 1]);
    const trainable = selectTrainable(elo.weights.specs, elo.layerIndices, 2, { mode: 'elo' });
    const loader = new PackedDataLoader(toyTokens(400), { seqLen: 16, batchSize: 2, seed: 3 });
    const trainer = new Trainer(elo, loader, toyTrainConfig(3), trainable);
    await trainer.run();
    trainer.dispose();
    const trainedDir = path.join(dir, 'elo-trained');
    const raw = JSON.parse(await readFile(path.join(eloDir, 'config.json'), 'utf8'));
    await saveModelFolder(elo, trainedDir, { rawConfig: raw, sideFilesFrom: eloDir });

    const mergedDir = path.join(dir, 'elo-merged');
    await reintegrate(baseDir, trainedDir, mergedDir);
    const merged = await loadModelFolder(mergedDir);
    const w = (m: LlamaModel, name: string) => m.weights.get(name).dataSync();
    const q = (l: number) => `model.layers.${l}.self_attn.q_proj.weight`;
    assert.deepEqual(w(merged, q(0)), w(elo, q(0)));
    assert.deepEqual(w(merged, q(3)), w(elo, q(1)));
    assert.deepEqual(w(merged, q(1)), w(base, q(1)));
    assert.notDeepEqual(w(merged, q(3)), w(base, q(3))); // trained
    assert.deepEqual(w(merged, 'lm_head.weight'), w(base, 'lm_head.weight')); // frozen head
    for (const m of [base, elo, merged]) m.dispose();
  });

  it('writes bf16 weights when asked, and loads them back widened', async () => {
    const model = LlamaModel.init(tinyConfig(), 2);
    const out = path.join(dir, 'bf16');
    await saveModelFolder(model, out, { dtype: 'BF16' });
    const f = await SafetensorsFile.open(path.join(out, 'model.safetensors'));
    assert.equal(f.info('model.embed_tokens.weight').dtype, 'BF16');
    await f.close();
    const raw = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
    assert.equal(raw.torch_dtype ?? raw.dtype, 'bfloat16');
    const back = await loadModelFolder(out);
    const a = model.weights.get('model.layers.0.mlp.up_proj.weight').dataSync();
    const b = back.weights.get('model.layers.0.mlp.up_proj.weight').dataSync();
    assert.ok(maxAbsDiff(a, b) < 1e-3 && maxAbsDiff(a, b) > 0);
    back.dispose();
    model.dispose();
  });

  it('writes no lm_head for tied embeddings', async () => {
    const model = LlamaModel.init(tinyConfig({ tieWordEmbeddings: true }), 1);
    const out = path.join(dir, 'tied');
    await saveModelFolder(model, out);
    const f = await SafetensorsFile.open(path.join(out, 'model.safetensors'));
    assert.ok(!f.tensorNames().includes('lm_head.weight'));
    await f.close();
    model.dispose();
  });

  it('refuses to save a model that holds only some layers', async () => {
    const model = LlamaModel.init(tinyConfig({ numHiddenLayers: 3 }), 1, { layers: [0, 2] });
    await assert.rejects(saveModelFolder(model, path.join(dir, 'partial')), /holds layers \[0,2\]/);
    model.dispose();
  });

  describe('elo model eval / generate', () => {
    let folder: string;
    let model: LlamaModel;
    before(async () => {
      folder = path.join(dir, 'with-tokenizer');
      model = LlamaModel.init(tinyConfig({ vocabSize: 320, bosTokenId: 300 }), 2, {
        initializerRange: 0.2,
      });
      await saveModelFolder(model, folder);
      const tokenizer = makeByteLevelBpe(CORPUS, 20);
      await writeFile(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer));
    });
    after(() => model.dispose());

    it('--token-ids --json: tokens, meanNll, perplexity as the engine computes them', async () => {
      const ids = Array.from(tokenIds(40, 320));
      const file = path.join(dir, 'ids.txt');
      await writeFile(file, ids.join(' ') + '\n');
      const r = await elo('model', 'eval', folder, '--token-ids', file, '--json');
      assert.equal(r.code, 0, r.stderr);
      const got = JSON.parse(r.stdout) as Record<string, number>;
      const want = await evaluate(model, [ids], { seqLen: 256, batchSize: 4 });
      assert.deepEqual(Object.keys(got), ['tokens', 'meanNll', 'perplexity']);
      assert.equal(got['tokens'], 39);
      assert.ok(Math.abs(got['meanNll']! - want.meanNll) < 1e-5);
      assert.ok(Math.abs(got['perplexity']! - Math.exp(want.meanNll)) < 1e-3);
    });

    it('--text: adds bytes and bits per byte', async () => {
      const file = path.join(dir, 'text.txt');
      const text = 'The dog sleeps. 날씨가 좋아요.';
      await writeFile(file, text);
      const r = await elo('model', 'eval', folder, '--text', file, '--json');
      assert.equal(r.code, 0, r.stderr);
      const got = JSON.parse(r.stdout) as Record<string, number>;
      assert.equal(got['bytes'], Buffer.byteLength(text));
      assert.ok(
        Math.abs(
          got['bitsPerByte']! - (got['meanNll']! * got['tokens']!) / Math.LN2 / got['bytes']!,
        ) < 1e-9,
      );
    });

    it('rejects bad input with exit code 2', async () => {
      const file = path.join(dir, 'bad-ids.txt');
      await writeFile(file, '1 2 999');
      const r = await elo('model', 'eval', folder, '--token-ids', file);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /token id 999 is outside the vocabulary/);
      const both = await elo('model', 'eval', folder);
      assert.equal(both.code, 2);
    });

    it('generate: seeded sampling repeats; --greedy works', async () => {
      const args = ['model', 'generate', folder, '--prompt', 'The dog', '--max-tokens', '8'];
      const a = await elo(...args, '--seed', '3', '--json');
      const b = await elo(...args, '--seed', '3', '--json');
      assert.equal(a.code, 0, a.stderr);
      assert.deepEqual(JSON.parse(a.stdout), JSON.parse(b.stdout));
      const g = JSON.parse((await elo(...args, '--greedy', '--json')).stdout) as {
        tokenIds: number[];
      };
      assert.equal(g.tokenIds.length, 8);
    });
  });
});
