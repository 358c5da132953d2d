import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../../engine/backend.js';
import { saveModelFolder } from '../../../engine/io/hf-folder.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { LlamaModel } from '../../../engine/model/llama-model.js';
import { HfModelFolder, ModelFolderError, SafetensorsFile } from '../../../formats/index.js';
import { firstNonFinite } from '../../../formats/non-finite.js';
import { withTempDir } from './helpers.js';

const TENSOR = 'model.layers.1.self_attn.q_proj.weight';

describe('non-finite weights are refused at import, naming file, tensor and element', () => {
  before(async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
  });

  it('a finite model passes; one NaN in a tensor is found by the streaming scan', async () => {
    await withTempDir(async (dir) => {
      const model = LlamaModel.init(tinyConfig({ numHiddenLayers: 2, vocabSize: 16 }), 1);
      await saveModelFolder(model, dir);
      model.dispose();
      const check = async () => {
        const hf = await HfModelFolder.open(dir);
        try {
          await hf.checkFinite();
        } finally {
          await hf.close();
        }
      };
      await check();

      const file = path.join(dir, 'model.safetensors');
      const st = await SafetensorsFile.open(file);
      const { byteOffset, dtype } = st.info(TENSOR);
      await st.close();
      assert.equal(dtype, 'F32');
      const fh = await open(file, 'r+');
      await fh.write(Buffer.from(new Float32Array([Number.NaN]).buffer), 0, 4, byteOffset + 5 * 4);
      await fh.close();
      await assert.rejects(check(), (err: unknown) => {
        assert.ok(err instanceof ModelFolderError);
        assert.equal(err.tensor, TENSOR);
        assert.equal(err.file, file);
        assert.match(err.message, /non-finite weight \(NaN or ±Inf\) at element 5/);
        return true;
      });
    });
  });

  it('finds NaN and ±Inf in every float dtype by their exponent bits, and nothing in finite data', () => {
    const f32 = new Float32Array([1, -2, 3e38, Number.NEGATIVE_INFINITY]);
    assert.equal(firstNonFinite(new Uint8Array(f32.buffer), 'F32'), 3);
    assert.equal(firstNonFinite(new Uint8Array(f32.buffer, 0, 12), 'F32'), -1);
    // Unaligned views take the byte path and agree.
    const shifted = new Uint8Array(17);
    shifted.set(new Uint8Array(f32.buffer), 1);
    assert.equal(firstNonFinite(shifted.subarray(1), 'F32'), 3);
    const f64 = new Float64Array([0, Number.NaN]);
    assert.equal(firstNonFinite(new Uint8Array(f64.buffer), 'F64'), 1);
    // F16: 0x3c00 = 1, 0x7c00 = +Inf, 0x7e00 = NaN; BF16: 0x3f80 = 1, 0xff80 = -Inf.
    assert.equal(
      firstNonFinite(new Uint8Array(new Uint16Array([0x3c00, 0x7e00]).buffer), 'F16'),
      1,
    );
    assert.equal(
      firstNonFinite(new Uint8Array(new Uint16Array([0x7bff, 0x3c00]).buffer), 'F16'),
      -1,
    );
    assert.equal(
      firstNonFinite(new Uint8Array(new Uint16Array([0x3f80, 0xff80]).buffer), 'BF16'),
      1,
    );
    assert.equal(firstNonFinite(new Uint8Array(new Uint16Array([0x7f7f]).buffer), 'BF16'), -1);
    assert.equal(firstNonFinite(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 'I32'), -1);
  });
});
