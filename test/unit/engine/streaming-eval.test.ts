// Layer-by-layer evaluation and generation from a model folder must agree with the all-in-memory
// path (the model loaded whole, then evaluate / generate) on models small enough for both.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { evaluate } from '../../../engine/eval.js';
import { generate } from '../../../engine/generate.js';
import { loadModelFolder, saveModelFolder } from '../../../engine/io/hf-folder.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import { evaluateFolderStreaming } from '../../../engine/streaming/streaming-eval.js';
import { generateFolderStreaming } from '../../../engine/streaming/streaming-generate.js';
import { tokenIds, useBackend } from './helpers/backend-and-reference.js';

const CASES = [
  { name: 'untied, GQA, 3 layers, F32', config: tinyConfig({ numHiddenLayers: 3 }), dtype: 'F32' },
  {
    name: 'tied, Qwen2 biases, BF16 on disk',
    config: tinyConfig({
      architecture: 'Qwen2ForCausalLM',
      modelType: 'qwen2',
      attentionBias: true,
      tieWordEmbeddings: true,
    }),
    dtype: 'BF16',
  },
] as const;

describe('streaming evaluation (layer by layer)', () => {
  let dir: string;
  before(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-stream-eval-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`gives the in-memory results per set: ${c.name}`, async () => {
      const folder = path.join(dir, c.name.replace(/\W+/g, '-'));
      const init = LlamaModel.init(c.config, 5, { initializerRange: 0.2 });
      await saveModelFolder(init, folder, { dtype: c.dtype });
      init.dispose();
      const V = c.config.vocabSize;
      const sets = [
        { sequences: [tokenIds(70, V, 1), tokenIds(9, V, 2)], bytes: 211 },
        { sequences: [tokenIds(33, V, 3), tokenIds(2, V, 4), tokenIds(51, V, 5)] },
      ];
      const opts = { seqLen: 16, batchSize: 3 };
      const tensorsBefore = tf.memory().numTensors;
      const layersSeen: number[] = [];
      const streamed = await evaluateFolderStreaming(folder, sets, {
        ...opts,
        onLayer: (done) => layersSeen.push(done),
      });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
      assert.deepEqual(
        layersSeen,
        Array.from({ length: c.config.numHiddenLayers }, (_, i) => i + 1),
      );
      const model = await loadModelFolder(folder);
      try {
        for (const [i, set] of sets.entries()) {
          const want = await evaluate(model, set.sequences, { ...opts, bytes: set.bytes });
          const got = streamed[i]!;
          assert.equal(got.tokens, want.tokens);
          assert.ok(
            Math.abs(got.totalNllNats - want.totalNllNats) < 1e-4 * want.totalNllNats,
            `set ${i}: ${got.totalNllNats} vs ${want.totalNllNats}`,
          );
          assert.equal(got.bitsPerByte === undefined, want.bitsPerByte === undefined);
          if (want.bitsPerByte !== undefined)
            assert.ok(Math.abs(got.bitsPerByte! - want.bitsPerByte) < 1e-5);
        }
        const prompts = [0, 1, 2].map((i) => ({
          prompt: Array.from(tokenIds(6, V, 10 + i)),
          opts: { maxNewTokens: 7, topK: i === 0 ? 0 : 5, temperature: 1, seed: i, eosTokenId: 3 },
        }));
        const gotSamples = await generateFolderStreaming(folder, prompts);
        const wantSamples = prompts.map((p) => generate(model, p.prompt, p.opts));
        assert.deepEqual(gotSamples, wantSamples);
      } finally {
        model.dispose();
      }
    });
  }
});
