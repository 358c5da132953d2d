import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModelFolder, saveModelFolder } from '../../../engine/io/hf-folder.js';
import { ENGINE_SEEDS, HF_REFERENCE_DIR } from '../../../scripts/hf-crosscheck/make-reference.js';
import {
  engineLogits,
  engineModels,
  maxAbsDiff,
  REFERENCE_SHAPE,
  seededModel,
} from '../../../scripts/hf-crosscheck/reference-models.js';
import { TEST_BACKEND, useBackend } from './helpers/backend-and-reference.js';

const TOLERANCE = 1e-4;
const MODELS = Object.keys(ENGINE_SEEDS).sort();

/** Logits of the engine on a committed folder against the ones transformers computed for it. */
async function diffAgainstTransformers(folder: string): Promise<number> {
  const expected = JSON.parse(await readFile(path.join(folder, 'expected.json'), 'utf8')) as {
    tokens: number[][];
    logits: number[];
  };
  const model = await loadModelFolder(folder);
  try {
    return maxAbsDiff(engineLogits(model, expected.tokens), expected.logits);
  } finally {
    model.dispose();
  }
}

describe('the engine against Hugging Face transformers (committed reference folders)', () => {
  let dir: string;
  before(async () => {
    await useBackend(TEST_BACKEND);
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-hf-ref-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('HF -> engine: folders saved by transformers load and give its logits', async () => {
    const folders = (await readdir(path.join(HF_REFERENCE_DIR, 'from-hf'))).sort();
    assert.deepEqual(folders, MODELS);
    for (const name of folders) {
      const diff = await diffAgainstTransformers(path.join(HF_REFERENCE_DIR, 'from-hf', name));
      assert.ok(diff <= TOLERANCE, `${name}: max abs diff ${diff}`);
    }
  });

  it('engine -> HF: the engine still writes the folders transformers read, with its logits', async () => {
    const configs = engineModels(REFERENCE_SHAPE);
    for (const name of MODELS) {
      const committed = path.join(HF_REFERENCE_DIR, 'from-engine', name);
      // What the engine writes today is byte for byte what transformers was given.
      const model = seededModel(configs[name]!, ENGINE_SEEDS[name]!);
      const fresh = path.join(dir, name);
      await saveModelFolder(model, fresh);
      model.dispose();
      const bytes = (d: string) => readFile(path.join(d, 'model.safetensors'));
      assert.ok((await bytes(fresh)).equals(await bytes(committed)), `${name}: weights differ`);
      const diff = await diffAgainstTransformers(committed);
      assert.ok(diff <= TOLERANCE, `${name}: max abs diff ${diff}`);
    }
  });
});
