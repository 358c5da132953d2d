// Files over 2 GiB (what a 1B model ships as: one 2.47 GB model.safetensors) through the paths
// that once read whole files. The file is sparse: gigabytes long, a few megabytes on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HfModelFolder } from '../../../formats/hf-model-folder.js';
import { expectedTensorShapes } from '../../../formats/hf-names.js';
import { parseHfConfig } from '../../../formats/hf-config.js';
import { filesDigest } from '../../../storage/hashing.js';
import { withTempDir } from './helpers.js';

const TWO_GIB = 2 ** 31;

// Vocabulary x hidden x 4 bytes = 2.16 GB: the embedding alone passes 2 GiB, so every other
// tensor lies past that offset.
const CONFIG = {
  model_type: 'llama', // no `architectures`: a bare save_pretrained writes none
  hidden_size: 2048,
  intermediate_size: 64,
  num_hidden_layers: 1,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  rms_norm_eps: 1e-5,
  vocab_size: 264_192,
  max_position_embeddings: 128,
  tie_word_embeddings: true,
};

/** A sparse single-file model: zero embedding, then every small tensor with known values. */
async function writeSparseModel(dir: string) {
  const shapes = expectedTensorShapes(parseHfConfig(CONFIG));
  const header: Record<string, unknown> = {};
  const small: { name: string; offset: number; data: Float32Array }[] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    if (!name.includes('embed_tokens')) {
      const data = Float32Array.from({ length: bytes / 4 }, (_, i) => ((i * 7) % 13) - 6);
      small.push({ name, offset, data });
    }
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8 + json.length);
  prefix.writeBigUInt64LE(BigInt(json.length), 0);
  prefix.write(json, 8, 'utf8');
  const file = path.join(dir, 'model.safetensors');
  const fh = await fs.open(file, 'w');
  const dataStart = prefix.length;
  try {
    await fh.write(prefix, 0, prefix.length, 0);
    for (const t of small)
      await fh.write(new Uint8Array(t.data.buffer), 0, undefined, dataStart + t.offset);
    await fh.truncate(dataStart + offset);
  } finally {
    await fh.close();
  }
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(CONFIG));
  return { file, prefix, dataStart, small, size: dataStart + offset };
}

describe('files over 2 GiB', () => {
  it('a sparse 2.2 GB model folder opens, checks, reads tensors past 2 GiB and hashes as a stream', async () => {
    await withTempDir(async (dir) => {
      const model = await writeSparseModel(dir);
      assert.ok(model.size > TWO_GIB, `${model.size} bytes`);
      assert.ok(model.small.every((t) => model.dataStart + t.offset > TWO_GIB));

      const folder = await HfModelFolder.open(dir);
      try {
        folder.checkTensors();
        for (const t of model.small) {
          const got = await folder.readTensor(t.name);
          assert.deepEqual(got.data, t.data, t.name);
        }
      } finally {
        await folder.close();
      }

      // The expected digest from the bytes we wrote, without reading the file.
      const config = await fs.readFile(path.join(dir, 'config.json'));
      const want = createHash('sha256');
      want.update('config.json\0').update(config).update('model.safetensors\0');
      want.update(model.prefix);
      const zeros = Buffer.alloc(8 << 20);
      let at = model.prefix.length;
      for (const t of model.small) {
        for (let gap = model.dataStart + t.offset - at; gap > 0; gap -= zeros.length)
          want.update(zeros.subarray(0, Math.min(gap, zeros.length)));
        want.update(new Uint8Array(t.data.buffer));
        at = model.dataStart + t.offset + t.data.byteLength;
      }
      assert.equal(at, model.size);
      assert.equal(
        await filesDigest(dir, ['config.json', 'model.safetensors']),
        want.digest('hex'),
      );
    });
  });
});
