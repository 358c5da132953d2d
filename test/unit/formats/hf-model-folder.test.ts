import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseHfConfig, toHfConfigJson } from '../../../formats/hf-config.js';
import { HfModelFolder, ModelFolderError } from '../../../formats/hf-model-folder.js';
import {
  INDEX_FILE,
  SafetensorsFile,
  type TensorInput,
  writeSafetensors,
} from '../../../formats/safetensors.js';
import { makeModelFolder, tensorBytes, TINY_CONFIG, withTempDir } from './helpers.js';

const QWEN = parseHfConfig({
  ...toHfConfigJson({
    ...TINY_CONFIG,
    architecture: 'Qwen2ForCausalLM',
    modelType: 'qwen2',
    attentionBias: true,
  }),
});

/** Rewrites a single-file folder's weights through `edit` (drop, rename or reshape tensors). */
async function rewriteWeights(
  dir: string,
  edit: (t: {
    name: string;
    dtype: 'BF16';
    shape: number[];
    raw: Uint8Array;
  }) => typeof t | undefined,
) {
  const p = path.join(dir, 'model.safetensors');
  const f = await SafetensorsFile.open(p);
  const tensors = [];
  for (const name of f.tensorNames()) {
    const i = f.info(name);
    const t = edit({ name, dtype: 'BF16', shape: i.shape, raw: await f.readRaw(name) });
    if (t) tensors.push(t);
  }
  await f.close();
  await fs.rm(p);
  await writeSafetensors(p, tensors);
}

describe('HF model folder', () => {
  it('lists, reads and checks a single-file folder', async () => {
    await withTempDir(async (dir) => {
      await makeModelFolder(dir);
      const m = await HfModelFolder.open(dir);
      try {
        assert.equal(m.sharded, false);
        assert.equal(m.config.numHiddenLayers, 4);
        m.checkTensors();
        const list = m.listTensors();
        assert.equal(list.length, 1 + 4 * 9 + 2);
        assert.deepEqual(list[0], {
          name: 'model.embed_tokens.weight',
          file: 'model.safetensors',
          dtype: 'BF16',
          shape: [64, 16],
          byteLength: 64 * 16 * 2,
        });
        const spec = {
          name: 'model.layers.2.mlp.up_proj.weight',
          dtype: 'BF16' as const,
          shape: [32, 16],
        };
        const t = await m.readTensor(spec.name);
        assert.deepEqual(new Uint8Array(t.data.buffer), [...tensorBytes(1, spec)][0]);
        const c = m.parameterCounts();
        const perLayer = 16 + 16 * 16 + 8 * 16 * 2 + 16 * 16 + 16 + 3 * 32 * 16;
        assert.deepEqual(c, {
          total: 2 * 64 * 16 + 4 * perLayer + 16,
          embedding: 64 * 16,
          layers: 4 * perLayer,
          perLayer: [perLayer, perLayer, perLayer, perLayer],
          finalNorm: 16,
          head: 64 * 16,
        });
        assert.deepEqual(m.dtypes(), { BF16: 39 });
      } finally {
        await m.close();
      }
    });
  });

  it('hashes weights independently of sharding, and sees a one-byte change', async () => {
    await withTempDir(async (dir) => {
      const a = await makeModelFolder(path.join(dir, 'a'));
      const b = await makeModelFolder(path.join(dir, 'b'), TINY_CONFIG, { maxShardBytes: 2000 });
      const c = await makeModelFolder(path.join(dir, 'c'), TINY_CONFIG, { seed: 2 });
      assert.ok((await fs.readdir(b)).includes(INDEX_FILE));
      const hashes = [];
      for (const d of [a, b, c]) {
        const m = await HfModelFolder.open(d);
        m.checkTensors();
        hashes.push(await m.weightsSha256());
        await m.close();
      }
      assert.equal(hashes[0], hashes[1]);
      assert.notEqual(hashes[0], hashes[2]);
      await rewriteWeights(a, (t) => {
        if (t.name === FINAL) t.raw[5]! ^= 1;
        return t;
      });
      const m = await HfModelFolder.open(a);
      assert.notEqual(await m.weightsSha256(), hashes[0]);
      await m.close();
    });
  });

  it('checks Qwen2 biases', async () => {
    await withTempDir(async (dir) => {
      await makeModelFolder(dir, QWEN);
      const m = await HfModelFolder.open(dir);
      m.checkTensors();
      assert.ok(m.has('model.layers.3.self_attn.v_proj.bias'));
      assert.ok(!m.has('model.layers.3.self_attn.o_proj.bias'));
      await m.close();
    });
  });

  const broken: [string, (t: { name: string; shape: number[] }) => boolean, RegExp][] = [
    [
      'missing tensor',
      (t) => t.name !== 'model.layers.1.mlp.gate_proj.weight',
      /tensor "model\.layers\.1\.mlp\.gate_proj\.weight": missing from the weights/,
    ],
    [
      'wrong shape',
      (t) => {
        if (t.name === 'model.layers.2.self_attn.k_proj.weight') t.shape = [16, 8];
        return true;
      },
      /model\.safetensors: tensor "model\.layers\.2\.self_attn\.k_proj\.weight": shape \[16, 8\] but config\.json implies \[8, 16\]/,
    ],
    [
      'extra layer',
      (t) => {
        if (t.name === FINAL) t.name = 'model.layers.9.input_layernorm.weight';
        return true;
      },
      /"model\.norm\.weight": missing/,
    ],
    [
      'unknown tensor',
      (t) => {
        if (t.name === 'lm_head.weight') t.name = 'transformer.wte.weight';
        return true;
      },
      /"lm_head\.weight": missing/,
    ],
  ];
  for (const [what, edit, message] of broken) {
    it(`refuses a folder with a ${what}, naming file and tensor`, async () => {
      await withTempDir(async (dir) => {
        await makeModelFolder(dir);
        await rewriteWeights(dir, (t) => (edit(t) ? t : undefined));
        const m = await HfModelFolder.open(dir);
        assert.throws(
          () => m.checkTensors(),
          (err: unknown) => {
            assert.ok(err instanceof ModelFolderError, String(err));
            assert.match(err.message, message);
            assert.ok(err.tensor);
            return true;
          },
        );
        await m.close();
      });
    });
  }

  it('refuses unknown extra tensors and names missing files', async () => {
    await withTempDir(async (dir) => {
      await makeModelFolder(dir);
      await rewriteWeights(dir, (t) => t);
      const p = path.join(dir, 'model.safetensors');
      const f = await SafetensorsFile.open(p);
      const tensors: TensorInput[] = [];
      for (const name of f.tensorNames())
        tensors.push({
          name,
          dtype: 'BF16' as const,
          shape: f.info(name).shape,
          raw: await f.readRaw(name),
        });
      await f.close();
      tensors.push({
        name: 'model.layers.0.self_attn.rotary_emb.inv_freq',
        dtype: 'BF16',
        shape: [2],
        raw: new Uint8Array(4),
      });
      await fs.rm(p);
      await writeSafetensors(p, tensors);
      const m = await HfModelFolder.open(dir);
      m.checkTensors(); // inv_freq is recomputed at load time: ignorable
      await m.close();
      tensors.push({
        name: 'model.layers.0.mlp.fc.weight',
        dtype: 'BF16',
        shape: [2],
        raw: new Uint8Array(4),
      });
      await fs.rm(p);
      await writeSafetensors(p, tensors);
      const m2 = await HfModelFolder.open(dir);
      assert.throws(
        () => m2.checkTensors(),
        /"model\.layers\.0\.mlp\.fc\.weight": not a known Llama-family tensor/,
      );
      await m2.close();
      await fs.rm(p);
      await assert.rejects(
        HfModelFolder.open(dir),
        /has neither model\.safetensors nor model\.safetensors\.index\.json/,
      );
      await fs.rm(path.join(dir, 'config.json'));
      await assert.rejects(HfModelFolder.open(dir), /config\.json: missing/);
    });
  });
});

const FINAL = 'model.norm.weight';
