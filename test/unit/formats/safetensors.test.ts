import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  bf16ToFloat32,
  f16ToFloat32,
  float32ToBf16,
  float32ToF16,
} from '../../../formats/dtype.js';
import {
  INDEX_FILE,
  planShards,
  SafetensorsError,
  SafetensorsFile,
  SafetensorsWriter,
  ShardedSafetensors,
  writeSafetensors,
  writeShardedSafetensors,
  type TensorInput,
} from '../../../formats/safetensors.js';
import { tensorBytes, withTempDir } from './helpers.js';

// Written by the reference implementation (python safetensors 0.x, numpy):
// save({'b': int32 arange(6).reshape(2,3), 'a': f32 [1.5, -2], 'c': f16 [1, .5, -3.25]},
//      metadata={'format': 'pt'})
const REFERENCE_HEX =
  'c8000000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c2261223a7b' +
  '226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c38' +
  '5d7d2c2262223a7b226474797065223a22493332222c227368617065223a5b322c335d2c22646174615f6f6666' +
  '73657473223a5b382c33325d7d2c2263223a7b226474797065223a22463136222c227368617065223a5b335d2c' +
  '22646174615f6f666673657473223a5b33322c33385d7d7d202020200000c03f000000c0000000000100000002' +
  '000000030000000400000005000000003c003880c2';

const referenceTensors = (): TensorInput[] => [
  { name: 'a', dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) },
  { name: 'b', dtype: 'I32', shape: [2, 3], data: new Int32Array([0, 1, 2, 3, 4, 5]) },
  { name: 'c', dtype: 'F16', shape: [3], data: new Float32Array([1, 0.5, -3.25]) },
];

describe('safetensors', () => {
  it('reads a file written by the reference implementation', async () => {
    await withTempDir(async (dir) => {
      const p = path.join(dir, 'ref.safetensors');
      await fs.writeFile(p, Buffer.from(REFERENCE_HEX, 'hex'));
      const f = await SafetensorsFile.open(p);
      try {
        assert.deepEqual(f.metadata, { format: 'pt' });
        assert.deepEqual(f.tensorNames(), ['a', 'b', 'c']);
        assert.deepEqual(f.info('b'), {
          dtype: 'I32',
          shape: [2, 3],
          byteOffset: 8 + 200 + 8,
          byteLength: 24,
          file: p,
        });
        assert.deepEqual([...(await f.readTensor('a')).data], [1.5, -2]);
        assert.deepEqual([...(await f.readTensor('b')).data], [0, 1, 2, 3, 4, 5]);
        const c = await f.readTensor('c', { asFloat32: true });
        assert.ok(c.data instanceof Float32Array);
        assert.deepEqual([...c.data], [1, 0.5, -3.25]);
        assert.deepEqual([...(await f.readTensor('c')).data], [0x3c00, 0x3800, 0xc280]);
      } finally {
        await f.close();
      }
    });
  });

  it('writes byte-identical output to the reference implementation', async () => {
    await withTempDir(async (dir) => {
      const p = path.join(dir, 'out.safetensors');
      await writeSafetensors(p, referenceTensors(), { format: 'pt' });
      assert.equal((await fs.readFile(p)).toString('hex'), REFERENCE_HEX);
      assert.deepEqual(await fs.readdir(dir), ['out.safetensors']);
    });
  });

  it('round-trips every dtype, including empty and scalar tensors', async () => {
    await withTempDir(async (dir) => {
      const p = path.join(dir, 'all.safetensors');
      const tensors: TensorInput[] = [
        { name: 'f64', dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
        { name: 'i64', dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 7n]) },
        { name: 'u64', dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
        { name: 'u32', dtype: 'U32', shape: [1], data: new Uint32Array([4e9]) },
        { name: 'scalar', dtype: 'F32', shape: [], data: new Float32Array([42]) },
        { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
        { name: 'i16', dtype: 'I16', shape: [3], data: new Int16Array([-32768, 0, 32767]) },
        { name: 'u16', dtype: 'U16', shape: [1], data: new Uint16Array([65535]) },
        { name: 'bf16', dtype: 'BF16', shape: [2], data: new Float32Array([1, -0.5]) },
        { name: 'i8', dtype: 'I8', shape: [2], data: new Int8Array([-128, 127]) },
        { name: 'u8', dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) },
        { name: 'bool', dtype: 'BOOL', shape: [2], raw: new Uint8Array([1, 0]) },
      ];
      await writeSafetensors(p, tensors);
      const bytes = await fs.readFile(p);
      assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
      const f = await SafetensorsFile.open(p);
      try {
        for (const t of tensors) {
          const got = await f.readTensor(t.name, { asFloat32: t.dtype === 'BF16' });
          assert.deepEqual(got.shape, t.shape, t.name);
          assert.deepEqual([...got.data], [...(t.data ?? t.raw!)], t.name);
        }
        await assert.rejects(f.readTensor('i8', { asFloat32: true }), SafetensorsError);
        await assert.rejects(
          writeSafetensors(path.join(dir, 'bad.safetensors'), [
            { name: 'x', dtype: 'F32', shape: [1], data: new Int32Array([1]) },
          ]),
          /tensor "x": Int32Array data for dtype F32/,
        );
        await assert.rejects(f.readRaw('nope'), /no such tensor/);
      } finally {
        await f.close();
      }
    });
  });

  it('converts half precision like torch (round to nearest even)', () => {
    assert.deepEqual(
      [...float32ToBf16(new Float32Array([1, -2, 3.140625, 1.00390625]))],
      [0x3f80, 0xc000, 0x4049, 0x3f80],
    );
    assert.deepEqual([...bf16ToFloat32(new Uint16Array([0x3f80, 0xc049]))], [1, -3.140625]);
    const f16 = [0, 1, -2, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity];
    assert.deepEqual([...f16ToFloat32(float32ToF16(new Float32Array(f16)))], f16);
    assert.deepEqual([...float32ToF16(new Float32Array([1e6, 1.00048828125]))], [0x7c00, 0x3c00]);
    assert.ok(Number.isNaN(f16ToFloat32(float32ToF16(new Float32Array([NaN])))[0]));
    assert.ok(Number.isNaN(bf16ToFloat32(float32ToBf16(new Float32Array([NaN])))[0]));
  });

  it('reads one tensor without reading the rest of the file', async () => {
    await withTempDir(async (dir) => {
      const p = path.join(dir, 'big.safetensors');
      const big = { name: 'big', dtype: 'U8' as const, shape: [24 << 20] };
      const small = { name: 'small', dtype: 'F32' as const, shape: [4] };
      const w = await SafetensorsWriter.create(p, [big, small]);
      for (const chunk of tensorBytes(3, big)) await w.writeBytes('big', chunk);
      await w.writeTensor({ name: 'small', data: new Float32Array([1, 2, 3, 4]) });
      await w.close();
      const before = process.memoryUsage().arrayBuffers;
      const f = await SafetensorsFile.open(p);
      const t = await f.readTensor('small');
      const grown = process.memoryUsage().arrayBuffers - before;
      await f.close();
      assert.deepEqual([...t.data], [1, 2, 3, 4]);
      assert.ok(grown < 4 << 20, `arrayBuffers grew by ${grown} bytes for a 16-byte tensor`);
    });
  });

  it('streams writes in header order and leaves no file on failure', async () => {
    await withTempDir(async (dir) => {
      const p = path.join(dir, 'w.safetensors');
      const specs = [
        { name: 'x', dtype: 'F32' as const, shape: [2] },
        { name: 'y', dtype: 'F32' as const, shape: [1] },
      ];
      const w = await SafetensorsWriter.create(p, specs);
      await assert.rejects(w.writeTensor({ name: 'y', data: new Float32Array(1) }), /expected "x"/);
      await assert.rejects(
        w.writeTensor({ name: 'x', data: new Float32Array(3) }),
        /got 12 bytes, header says 8/,
      );
      await w.writeBytes('x', new Uint8Array(4));
      await assert.rejects(w.close(), /"x": writer closed before this tensor was written/);
      assert.deepEqual(await fs.readdir(dir), [], 'temp file removed, final name never created');

      const w2 = await SafetensorsWriter.create(p, specs);
      await w2.writeBytes('x', new Uint8Array(4));
      assert.deepEqual((await fs.readdir(dir)).length, 1);
      assert.ok(!(await fs.readdir(dir)).includes('w.safetensors'), 'only the temp name exists');
      await w2.writeBytes('x', new Uint8Array(4));
      await w2.writeTensor({ name: 'y', data: new Float32Array([5]) });
      await w2.close();
      assert.deepEqual(await fs.readdir(dir), ['w.safetensors']);
    });
  });

  it('writes an async iterable of unknown shapes through a spill file', async () => {
    await withTempDir(async (dir) => {
      const p = path.join(dir, 'a.safetensors');
      async function* gen() {
        yield* referenceTensors();
      }
      await writeSafetensors(p, gen(), { format: 'pt' });
      assert.equal((await fs.readFile(p)).toString('hex'), REFERENCE_HEX);
      assert.deepEqual(await fs.readdir(dir), ['a.safetensors']);
    });
  });

  it('splits into shards with an index and reads them back', async () => {
    await withTempDir(async (dir) => {
      const specs = Array.from({ length: 5 }, (_, i) => ({
        name: `t${i}`,
        dtype: 'F32' as const,
        shape: [10 + i],
      }));
      const plan = planShards(specs, 100);
      assert.deepEqual(
        plan.shards.map((s) => s.specs.map((x) => x.name)),
        [['t0', 't1'], ['t2', 't3'], ['t4']],
      );
      await writeShardedSafetensors(dir, plan, (s) => tensorBytes(5, s));
      const files = (await fs.readdir(dir)).sort();
      assert.deepEqual(files, [
        'model-00001-of-00003.safetensors',
        'model-00002-of-00003.safetensors',
        'model-00003-of-00003.safetensors',
        INDEX_FILE,
      ]);
      const index = JSON.parse(await fs.readFile(path.join(dir, INDEX_FILE), 'utf8'));
      assert.equal(index.metadata.total_size, (10 + 11 + 12 + 13 + 14) * 4);
      assert.equal(index.weight_map.t3, 'model-00002-of-00003.safetensors');
      const s = await ShardedSafetensors.open(path.join(dir, INDEX_FILE));
      try {
        assert.deepEqual(s.tensorNames(), ['t0', 't1', 't2', 't3', 't4']);
        const [expected] = [...tensorBytes(5, specs[3]!)];
        assert.deepEqual(new Uint8Array(await s.readRaw('t3')), expected);
        assert.equal(s.shardOf('t4'), 'model-00003-of-00003.safetensors');
      } finally {
        await s.close();
      }
      // An index that disagrees with its shards, or escapes the folder, is refused.
      index.weight_map.t3 = 'model-00001-of-00003.safetensors';
      await fs.writeFile(path.join(dir, INDEX_FILE), JSON.stringify(index));
      await assert.rejects(ShardedSafetensors.open(path.join(dir, INDEX_FILE)), /"t3": listed in/);
      index.weight_map.t3 = '../x.safetensors';
      await fs.writeFile(path.join(dir, INDEX_FILE), JSON.stringify(index));
      await assert.rejects(ShardedSafetensors.open(path.join(dir, INDEX_FILE)), /not a file name/);
    });
  });
});
