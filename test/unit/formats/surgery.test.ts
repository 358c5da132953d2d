import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HfModelFolder } from '../../../formats/hf-model-folder.js';
import { SafetensorsFile, SafetensorsWriter } from '../../../formats/safetensors.js';
import {
  detach,
  type DetachManifest,
  reintegrate,
  resolveLayers,
  SurgeryError,
} from '../../../formats/surgery.js';
import { makeModelFolder, TINY_CONFIG, withTempDir } from './helpers.js';

const SURGERY_JS = new URL('../../../formats/surgery.js', import.meta.url).href;

/** name → raw bytes of every tensor in a folder (small test models only). */
async function tensorsOf(dir: string): Promise<Map<string, Buffer>> {
  const m = await HfModelFolder.open(dir);
  const out = new Map<string, Buffer>();
  for (const name of m.tensors.tensorNames()) out.set(name, await m.tensors.readRaw(name));
  await m.close();
  return out;
}

/** Flips one byte of one tensor in a single-file folder, rewriting it by streaming. */
async function flipByte(dir: string, tensor: string): Promise<void> {
  const p = path.join(dir, 'model.safetensors');
  const f = await SafetensorsFile.open(p);
  const names = f.tensorNames();
  const specs = names.map((name) => ({ name, ...f.info(name) }));
  const w = await SafetensorsWriter.create(p + '.new', specs, { ...f.metadata });
  for (const name of names) {
    const raw = await f.readRaw(name);
    if (name === tensor) raw[0]! ^= 0xff;
    await w.writeTensor({ name, raw });
  }
  await w.close();
  await f.close();
  await fs.rename(p + '.new', p);
}

describe('surgery', () => {
  it('resolves layer lists', () => {
    assert.deepEqual(resolveLayers('0,-1', 4), [0, 3]);
    assert.deepEqual(resolveLayers([-1, 1, -4], 4), [0, 1, 3]);
    assert.throws(() => resolveLayers('0,-4', 4), /layer -4 is listed twice \(it is layer 0\)/);
    assert.throws(() => resolveLayers([4], 4), /layer 4 is out of range for a 4-layer model/);
    assert.throws(() => resolveLayers([-5], 4), /out of range/);
    assert.throws(() => resolveLayers('1,x', 4), /layer "x" is not an integer/);
    assert.throws(() => resolveLayers([], 4), SurgeryError);
  });

  it('detaches the chosen layers into a valid HF folder', async () => {
    await withTempDir(async (dir) => {
      const base = await makeModelFolder(path.join(dir, 'base'), TINY_CONFIG, {
        tokenizer: { model: { type: 'BPE', vocab: {}, merges: [] } },
      });
      const out = path.join(dir, 'elo');
      const { manifest } = await detach(base, '-1,0', out);
      const elo = await HfModelFolder.open(out);
      elo.checkTensors();
      assert.equal(elo.config.numHiddenLayers, 2);
      assert.equal(elo.hasTokenizer, true);
      await elo.close();
      const b = await HfModelFolder.open(base);
      const baseSha = await b.weightsSha256();
      await b.close();
      const onDisk = JSON.parse(await fs.readFile(path.join(out, 'detach.json'), 'utf8'));
      assert.deepEqual(onDisk, manifest);
      assert.deepEqual(manifest, {
        format: 'elo-detach',
        version: 1,
        baseLayers: [0, 3],
        baseNumLayers: 4,
        baseSha256: baseSha,
        layerMap: { '0': 0, '1': 3 },
      } satisfies DetachManifest);
      const bt = await tensorsOf(base);
      const et = await tensorsOf(out);
      assert.equal(et.size, 1 + 2 * 9 + 2);
      for (const [name, bytes] of et) {
        const src = name.replace(/^model\.layers\.1\./, 'model.layers.3.');
        assert.deepEqual(bytes, bt.get(src), name);
      }
      const cfg = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
      assert.equal(cfg.num_hidden_layers, 2);
      assert.equal(cfg.hidden_size, 16);
    });
  });

  for (const maxShardBytes of [Infinity, 3000]) {
    it(`reintegrate(base, detach(base, λ)) is the base, tensor for tensor (shard ${maxShardBytes})`, async () => {
      await withTempDir(async (dir) => {
        const base = await makeModelFolder(path.join(dir, 'base'), TINY_CONFIG, { maxShardBytes });
        const elo = path.join(dir, 'elo');
        await detach(base, [1, -1], elo, { maxShardBytes: 2000 });
        const merged = path.join(dir, 'merged');
        const r = await reintegrate(base, elo, merged);
        assert.deepEqual(r.replaced, { '1': 0, '3': 1 });
        assert.deepEqual(await tensorsOf(merged), await tensorsOf(base));
        // Same file layout and config as the base.
        const files = (d: string) =>
          fs
            .readdir(d)
            .then((f) => f.filter((x) => x.endsWith('.safetensors') || x.endsWith('.json')).sort());
        assert.deepEqual(
          (await files(merged)).filter((f) => f !== 'reintegrate.json'),
          await files(base),
        );
        assert.deepEqual(
          await fs.readFile(path.join(merged, 'config.json')),
          await fs.readFile(path.join(base, 'config.json')),
        );
      });
    });
  }

  it('puts a modified elo layer back at its base index only', async () => {
    await withTempDir(async (dir) => {
      const base = await makeModelFolder(path.join(dir, 'base'));
      const elo = path.join(dir, 'elo');
      await detach(base, [0, 2], elo);
      await flipByte(elo, 'model.layers.1.mlp.down_proj.weight');
      const merged = path.join(dir, 'merged');
      await reintegrate(base, elo, merged);
      const bt = await tensorsOf(base);
      const mt = await tensorsOf(merged);
      const changed = [...bt.keys()].filter((n) => !bt.get(n)!.equals(mt.get(n)!));
      assert.deepEqual(changed, ['model.layers.2.mlp.down_proj.weight']);
      assert.equal(mt.get(changed[0]!)![0], bt.get(changed[0]!)![0]! ^ 0xff);

      // Embeddings and head come from the base unless asked for.
      await flipByte(elo, 'model.embed_tokens.weight');
      const withEmb = path.join(dir, 'merged2');
      await reintegrate(base, elo, withEmb, { includeNonLayer: true });
      const m2 = await tensorsOf(withEmb);
      assert.notDeepEqual(m2.get('model.embed_tokens.weight'), bt.get('model.embed_tokens.weight'));
      const merged3 = path.join(dir, 'merged3');
      await reintegrate(base, elo, merged3);
      assert.deepEqual(
        (await tensorsOf(merged3)).get('model.embed_tokens.weight'),
        bt.get('model.embed_tokens.weight'),
      );
    });
  });

  it('refuses a different base, mismatched shapes and existing outputs, leaving nothing', async () => {
    await withTempDir(async (dir) => {
      const base = await makeModelFolder(path.join(dir, 'base'));
      const other = await makeModelFolder(path.join(dir, 'other'), TINY_CONFIG, { seed: 9 });
      const elo = path.join(dir, 'elo');
      await detach(base, [0, -1], elo);
      await assert.rejects(
        reintegrate(other, elo, path.join(dir, 'm1')),
        /is not the model .* was detached from \(weights sha256/,
      );
      // An elo folder whose layers have another shape (same detach.json).
      const wide = await makeModelFolder(path.join(dir, 'wide'), {
        ...TINY_CONFIG,
        numHiddenLayers: 2,
        intermediateSize: 48,
      });
      await fs.copyFile(path.join(elo, 'detach.json'), path.join(wide, 'detach.json'));
      await assert.rejects(
        reintegrate(base, wide, path.join(dir, 'm2')),
        /tensor "model\.layers\.0\.mlp\.gate_proj\.weight" has shape \[48, 16\] but base "model\.layers\.0\.mlp\.gate_proj\.weight" has \[32, 16\]/,
      );
      await assert.rejects(detach(base, [0], elo), /already exists/);
      await assert.rejects(detach(base, [0, 0], path.join(dir, 'e2')), /listed twice/);
      await assert.rejects(
        reintegrate(base, base, path.join(dir, 'm3')),
        /detach\.json: unreadable/,
      );
      assert.deepEqual((await fs.readdir(dir)).sort(), ['base', 'elo', 'other', 'wide']);
    });
  });

  it('streams: peak memory stays far below the model size', async (t) => {
    await withTempDir(async (dir) => {
      // ~200 MB of F32 weights; the largest tensor (embeddings) is ~17 MB.
      const cfg = {
        ...TINY_CONFIG,
        hiddenSize: 512,
        intermediateSize: 2048,
        numAttentionHeads: 8,
        numKeyValueHeads: 8,
        headDim: 64,
        numHiddenLayers: 10,
        vocabSize: 8192,
      };
      const base = await makeModelFolder(path.join(dir, 'base'), cfg, { dtype: 'F32' });
      const m = await HfModelFolder.open(base);
      const total = m.listTensors().reduce((a, t) => a + t.byteLength, 0);
      await m.close();
      assert.ok(total > 190e6, `model is ${total} bytes`);

      const usage = () => {
        const u = process.memoryUsage();
        return u.arrayBuffers + u.heapUsed;
      };
      const before = usage();
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, usage())), 2);
      try {
        await detach(base, [0, -1], path.join(dir, 'elo'));
        await reintegrate(base, path.join(dir, 'elo'), path.join(dir, 'merged'));
      } finally {
        clearInterval(timer);
      }
      peak = Math.max(peak, usage());
      const grown = peak - before;
      const report = `heap + ArrayBuffers grew by ${(grown / 2 ** 20).toFixed(1)} MiB for ${(total / 2 ** 20).toFixed(0)} MiB of weights`;
      t.diagnostic(report);
      assert.ok(grown < 64 << 20, report);
      const merged = await HfModelFolder.open(path.join(dir, 'merged'));
      const b = await HfModelFolder.open(base);
      assert.equal(await merged.weightsSha256(), await b.weightsSha256());
      await merged.close();
      await b.close();

      // A process killed mid-write leaves only a .tmp-* folder, never a partial final folder.
      const out = path.join(dir, 'killed');
      const child = spawn(process.execPath, [
        '--input-type=module',
        '-e',
        `import { reintegrate } from ${JSON.stringify(SURGERY_JS)};
         await reintegrate(${JSON.stringify(base)}, ${JSON.stringify(path.join(dir, 'elo'))}, ${JSON.stringify(out)});`,
      ]);
      const exited = new Promise((resolve) => child.on('exit', resolve));
      let sawTemp = false;
      for (let i = 0; i < 2000 && child.exitCode === null && !sawTemp; i++) {
        const tmp = (await fs.readdir(dir)).find((n) => n.startsWith('killed.tmp-'));
        // Wait until the first shard has bytes in it: the copy is under way.
        if (tmp) sawTemp = (await fs.readdir(path.join(dir, tmp)).catch(() => [])).length > 0;
        if (!sawTemp) await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      await exited;
      assert.ok(sawTemp, 'the child was killed while writing');
      assert.equal(await fs.stat(out).catch(() => undefined), undefined, 'no final folder');
    });
  });
});
