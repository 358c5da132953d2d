import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TokenShardWriter } from '../../../formats/index.js';
import { evaluate } from '../../../engine/eval.js';
import { loadPackedTokens, shardDocuments } from '../../../engine/io/token-shards.js';
import { generate } from '../../../engine/generate.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import { tokenIds, TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';

describe('evaluation', () => {
  const config = tinyConfig({ vocabSize: 50 });
  let model: LlamaModel;
  before(async () => {
    await useBackend(TEST_BACKEND);
    model = LlamaModel.init(config, 3, { initializerRange: 0.2 });
  });
  after(() => model.dispose());

  /** NLL of tokens[1..] given the prefix, straight from one forward pass (float64 log-softmax). */
  function directNll(tokens: Int32Array): number {
    const T = tokens.length;
    const logits = tf.tidy(
      () => model.forward({ batchSize: 1, seqLen: T, inputIds: tokens }).dataSync() as Float32Array,
    );
    let nll = 0;
    for (let t = 0; t + 1 < T; t++) {
      const row = logits.subarray(t * 50, (t + 1) * 50);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      nll += lse - row[tokens[t + 1]!]!;
    }
    return nll;
  }

  it('gives the NLL of a direct forward pass, mean NLL, perplexity and bits per byte', async () => {
    const seq = tokenIds(20, 50);
    const r = await evaluate(model, [seq], { seqLen: 32, batchSize: 4, bytes: 57 });
    const want = directNll(seq);
    assert.equal(r.tokens, 19);
    assert.ok(Math.abs(r.totalNllNats - want) < 1e-3, `${r.totalNllNats} vs ${want}`);
    assert.ok(Math.abs(r.meanNll - want / 19) < 1e-4);
    assert.ok(Math.abs(r.perplexity - Math.exp(want / 19)) < 1e-2);
    assert.ok(Math.abs(r.bitsPerByte! - want / Math.LN2 / 57) < 1e-4);
  });

  it('streams: windows and batch size change nothing but the context cut', async () => {
    const seqs = [tokenIds(30, 50, 1), tokenIds(17, 50, 2), tokenIds(2, 50, 3)];
    const a = await evaluate(model, seqs, { seqLen: 8, batchSize: 1 });
    const b = await evaluate(
      model,
      (async function* () {
        yield* seqs;
      })(),
      { seqLen: 8, batchSize: 5 },
    );
    assert.equal(a.tokens, 29 + 16 + 1);
    assert.equal(b.tokens, a.tokens);
    assert.ok(Math.abs(a.totalNllNats - b.totalNllNats) < 1e-3);
    // Windows of 8: the first window's NLL is that of the first 9 tokens alone.
    const first = await evaluate(model, [seqs[0]!.subarray(0, 9)], { seqLen: 8, batchSize: 1 });
    assert.ok(Math.abs(first.totalNllNats - directNll(seqs[0]!.subarray(0, 9))) < 1e-3);
  });
});

describe('token shards', () => {
  let dir: string;
  let model: LlamaModel;
  before(async () => {
    await useBackend(TEST_BACKEND);
    model = LlamaModel.init(tinyConfig({ vocabSize: 50 }), 3, { initializerRange: 0.2 });
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'shards-'));
    const w = await TokenShardWriter.create(path.join(dir, 'a.bin'), {
      vocabSize: 50,
      tokenizerHash: 'a'.repeat(64),
    });
    await w.appendDocument([5, 6, 7, 8, 1], 'ko');
    await w.appendDocument([9, 10, 11], 'en');
    await w.appendDocument([12, 13, 14, 15], 'ko');
    await w.close();
  });
  after(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('streams documents per language into evaluate', async () => {
    const shard = [path.join(dir, 'a.bin')];
    const ko = await evaluate(model, shardDocuments(shard, { lang: 'ko' }), {
      seqLen: 8,
      batchSize: 2,
    });
    const direct = await evaluate(
      model,
      [
        [5, 6, 7, 8, 1],
        [12, 13, 14, 15],
      ],
      {
        seqLen: 8,
        batchSize: 2,
      },
    );
    assert.equal(ko.tokens, 4 + 3);
    assert.equal(ko.totalNllNats, direct.totalNllNats);
  });

  it('packs documents into an EOS-separated stream for training', async () => {
    const tokens = await loadPackedTokens([path.join(dir, 'a.bin')], 1);
    assert.deepEqual([...tokens], [5, 6, 7, 8, 1, 9, 10, 11, 1, 12, 13, 14, 15, 1]);
  });
});

describe('generate', () => {
  const config = tinyConfig({ vocabSize: 40 });
  let model: LlamaModel;
  before(async () => {
    await useBackend(TEST_BACKEND);
    model = LlamaModel.init(config, 8, { initializerRange: 0.5 });
  });
  after(() => model.dispose());

  it('greedy is deterministic and extends the prompt', () => {
    const a = generate(model, [1, 2, 3], { maxNewTokens: 6 });
    const b = generate(model, [1, 2, 3], { maxNewTokens: 6 });
    assert.equal(a.length, 9);
    assert.deepEqual(a.slice(0, 3), [1, 2, 3]);
    assert.deepEqual(a, b);
  });

  it('top-k sampling repeats with a seed and varies across seeds', () => {
    const run = (seed: number) =>
      generate(model, [5], { maxNewTokens: 12, topK: 10, seed, temperature: 2 });
    assert.deepEqual(run(1), run(1));
    const outs = new Set([1, 2, 3, 4].map((s) => run(s).join(',')));
    assert.ok(outs.size > 1);
  });

  it('stops at EOS', () => {
    const greedy = generate(model, [1, 2, 3], { maxNewTokens: 6 });
    const eos = greedy[4]!;
    const stopped = generate(model, [1, 2, 3], { maxNewTokens: 6, eosTokenId: eos });
    assert.equal(stopped[stopped.length - 1], eos);
    assert.ok(stopped.length <= 5);
  });
});
