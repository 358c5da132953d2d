import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModelFolder } from '../../../engine/io/hf-folder.js';
import {
  initLlamaConfig,
  initModelFolder,
  type InitShape,
} from '../../../engine/model/init-config.js';
import { countTrainable } from '../../../engine/train/trainable.js';
import { HfTokenizer } from '../../../formats/index.js';
import { projectRoot } from '../../../infra/project-paths.js';
import { TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';

const TOKENIZER_DIR = path.join(projectRoot, 'data', 'tokenizer');

const SHAPE: InitShape = {
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositionEmbeddings: 128,
  tieWordEmbeddings: true,
  initializerRange: 0.02,
};

describe('a model from scratch (the train stage without a model input)', () => {
  let dir: string;
  before(async () => {
    await useBackend(TEST_BACKEND);
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-init-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes the shape from the caller and vocabulary and special ids from the tokenizer', async () => {
    const config = await initLlamaConfig(SHAPE, TOKENIZER_DIR);
    const tokenizer = await HfTokenizer.load(TOKENIZER_DIR);
    assert.equal(config.vocabSize, tokenizer.vocabSize);
    assert.equal(config.eosTokenId, tokenizer.tokenToId('<|eos|>'));
    assert.equal(config.bosTokenId, tokenizer.tokenToId('<|bos|>'));
    assert.equal(config.headDim, 8);
    assert.equal(config.numHiddenLayers, 2);
  });

  it('writes a seeded HF folder with the tokenizer beside it, the same for the same seed', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    await initModelFolder(SHAPE, 7, TOKENIZER_DIR, a);
    await initModelFolder(SHAPE, 7, TOKENIZER_DIR, b);
    const weights = (d: string) => readFile(path.join(d, 'model.safetensors'));
    assert.ok((await weights(a)).equals(await weights(b)));
    assert.ok((await readFile(path.join(a, 'tokenizer.json'))).length > 0);
    const model = await loadModelFolder(a);
    try {
      const all = [0, 1];
      const counted = countTrainable(model.config, all, { mode: 'full' });
      assert.equal(counted.computed, model.weights.numParameters());
      assert.equal(counted.trainable, counted.computed);
      const elo = countTrainable(model.config, all, { mode: 'freeze-tune', layers: [0] });
      assert.ok(elo.trainable < elo.computed && elo.computed === counted.computed);
    } finally {
      model.dispose();
    }
  });
});
