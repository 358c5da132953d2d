import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dtypeSize, numElements, viewAs } from '../../../formats/dtype.js';
import {
  SafetensorsError,
  SafetensorsFile,
  parseHeaderJson,
  parseHeaderLength,
  writeSafetensors,
} from '../../../formats/safetensors.js';
import { prng, withTempDir } from './helpers.js';

/** A file from a header (object or raw string) and a data area of `dataBytes` bytes. */
function craft(header: unknown, dataBytes: number, lengthOverride?: bigint): Buffer {
  const json = Buffer.isBuffer(header)
    ? header
    : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(lengthOverride ?? BigInt(json.byteLength));
  return Buffer.concat([prefix, json, Buffer.alloc(dataBytes)]);
}

const t = (dtype: string, shape: unknown, offsets: unknown) => ({
  dtype,
  shape,
  data_offsets: offsets,
});

const CASES: [string, Buffer, RegExp, string | undefined][] = [
  ['short file', Buffer.alloc(5), /too short for a header/, undefined],
  ['length past the end', craft({}, 0, 1000n), /runs past the end of the 10-byte file/, undefined],
  ['length over the cap', craft({}, 0, 2n ** 40n), /exceeds the 100000000-byte limit/, undefined],
  ['not JSON', craft('{"a": ', 0), /header is not JSON/, undefined],
  ['not UTF-8', craft(Buffer.from([0x7b, 0xff, 0x7d]), 0), /header is not valid UTF-8/, undefined],
  ['not an object', craft('[1,2]', 0), /not a JSON object/, undefined],
  ['entry not an object', craft({ a: 5 }, 0), /header entry is not an object/, 'a'],
  ['missing dtype', craft({ a: { shape: [1], data_offsets: [0, 4] } }, 4), /unknown dtype/, 'a'],
  ['unknown dtype', craft({ a: t('F8_E9M9', [1], [0, 1]) }, 1), /unknown dtype "F8_E9M9"/, 'a'],
  ['shape not array', craft({ a: t('F32', 4, [0, 16]) }, 16), /shape is not an array/, 'a'],
  ['offsets not a pair', craft({ a: t('F32', [1], [0]) }, 4), /not a \[begin, end\] pair/, 'a'],
  [
    'offset not integer',
    craft({ a: t('F32', [1], [0, 4.5]) }, 4),
    /not non-negative integers/,
    'a',
  ],
  ['end before begin', craft({ a: t('U8', [0], [4, 0]) }, 4), /end before they begin/, 'a'],
  ['out of bounds', craft({ a: t('F32', [2], [0, 8]) }, 4), /run past the 4-byte data area/, 'a'],
  [
    'overlapping',
    craft({ a: t('F32', [2], [0, 8]), b: t('F32', [1], [4, 8]) }, 8),
    /overlaps the previous tensor/,
    'b',
  ],
  [
    'gap',
    craft({ a: t('F32', [1], [0, 4]), b: t('F32', [1], [8, 12]) }, 12),
    /leaves a gap before it/,
    'b',
  ],
  [
    'not covering',
    craft({ a: t('F32', [1], [0, 4]) }, 8),
    /cover 4 bytes but the data area is 8/,
    undefined,
  ],
  ['byte size', craft({ a: t('F32', [3], [0, 8]) }, 16), /byte size 8 != F32 size 4 x 3/, 'a'],
  ['negative dim', craft({ a: t('F32', [-1, -4], [0, 16]) }, 16), /negative or non-integer/, 'a'],
  ['fractional dim', craft({ a: t('F32', [0.5, 8], [0, 16]) }, 16), /negative or non-integer/, 'a'],
  ['giant shape', craft({ a: t('F32', [1e15, 1e15], [0, 4]) }, 4), /more bytes than the file/, 'a'],
  [
    'metadata not object',
    craft({ __metadata__: [] }, 0),
    /__metadata__ is not an object/,
    undefined,
  ],
  [
    'metadata value',
    craft({ __metadata__: { a: 1 } }, 0),
    /__metadata__.a is not a string/,
    undefined,
  ],
];

describe('safetensors validation', () => {
  for (const [what, bytes, message, tensor] of CASES) {
    it(`rejects: ${what}`, async () => {
      await withTempDir(async (dir) => {
        const p = path.join(dir, 'bad.safetensors');
        await fs.writeFile(p, bytes);
        await assert.rejects(SafetensorsFile.open(p), (err: unknown) => {
          assert.ok(err instanceof SafetensorsError, String(err));
          assert.match(err.message, message);
          assert.equal(err.file, p);
          assert.equal(err.tensor, tensor);
          assert.ok(err.message.startsWith(p), 'message names the file');
          if (tensor) assert.ok(err.message.includes(`"${tensor}"`), 'message names the tensor');
          return true;
        });
      });
    });
  }

  it('names a truncated file when a tensor read runs out', async () => {
    await withTempDir(async (dir) => {
      const p = path.join(dir, 'x.safetensors');
      await writeSafetensors(p, [
        { name: 'w', dtype: 'F32', shape: [4], data: new Float32Array(4) },
      ]);
      const f = await SafetensorsFile.open(p);
      await fs.truncate(p, (await fs.stat(p)).size - 4);
      await assert.rejects(f.readRaw('w'), /tensor "w": file is shorter than its header says/);
      await f.close();
    });
  });

  it('fuzz: mutated and truncated files parse consistently or throw SafetensorsError', async () => {
    await withTempDir(async (dir) => {
      const valid = path.join(dir, 'valid.safetensors');
      await writeSafetensors(
        valid,
        [
          { name: 'emb', dtype: 'BF16', shape: [4, 3], data: new Float32Array(12).fill(0.5) },
          { name: 'w', dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
          { name: 'ids', dtype: 'I64', shape: [2], data: new BigInt64Array([1n, 2n]) },
          { name: 'z', dtype: 'F16', shape: [0], data: new Float32Array(0) },
          { name: 'b', dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
        ],
        { format: 'pt' },
      );
      const base = await fs.readFile(valid);
      const headerLen = Number(base.readBigUInt64LE(0));
      const header = JSON.parse(base.subarray(8, 8 + headerLen).toString()) as Record<
        string,
        Record<string, unknown>
      >;
      const rand = prng(20261128);
      const int = (n: number) => Math.floor(rand() * n);
      const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
      const weird: unknown[] = [
        -1,
        0,
        1,
        2,
        3,
        7,
        8,
        12,
        24,
        1.5,
        1e20,
        2 ** 53,
        2 ** 64,
        -0,
        'F32',
        'BF16',
        'x',
        '',
        null,
        true,
        [],
        {},
        [0],
        [0, 0],
        [1, 2, 3],
        [-1, 4],
        [1e300],
        Array(5000).fill(1e9),
      ];
      const p = path.join(dir, 'fuzz.safetensors');
      const outcomes = { parsed: 0, rejected: 0 };
      const fileOutcomes = { parsed: 0, rejected: 0 };
      const parseHeader = (bytes: Buffer) =>
        parseHeaderJson(
          'fuzz',
          bytes.subarray(8, 8 + parseHeaderLength('fuzz', bytes, bytes.byteLength)),
          bytes.byteLength,
        );
      const memBefore = process.memoryUsage().arrayBuffers;
      let maxGrowth = 0;
      for (let i = 0; i < 3000; i++) {
        let bytes: Buffer;
        const kind = i % 5;
        if (kind === 0) {
          bytes = base.subarray(0, int(base.byteLength + 1));
        } else if (kind === 1) {
          bytes = Buffer.from(base);
          for (let k = 1 + int(4); k > 0; k--) bytes[int(bytes.byteLength)] = int(256);
        } else if (kind === 2) {
          bytes = Buffer.from(base);
          const len = pick([0n, 1n, 7n, BigInt(headerLen - 1), BigInt(headerLen + 8), 2n ** 63n]);
          bytes.writeBigUInt64LE(rand() < 0.5 ? len : BigInt(int(2 ** 31)) * BigInt(int(2 ** 31)));
        } else if (kind === 3) {
          const h = structuredClone(header);
          const names = Object.keys(h);
          for (let k = 1 + int(3); k > 0; k--) {
            const entry = h[pick(names)]!;
            const field = pick(['dtype', 'shape', 'data_offsets', 'extra', 'format']);
            if (rand() < 0.2) delete entry[field];
            else if (field === 'shape' || field === 'data_offsets') {
              const arr = Array.isArray(entry[field]) ? [...(entry[field] as unknown[])] : [];
              arr[int(arr.length + 1)] = pick(weird);
              entry[field] = rand() < 0.8 ? arr : pick(weird);
            } else entry[field] = pick(weird);
          }
          const data = base.subarray(8 + headerLen);
          const cut = int(3) - 1; // drop, keep or grow the data area by a few bytes
          bytes = craft(h, 0);
          bytes = Buffer.concat([
            bytes,
            cut < 0 ? data.subarray(0, data.byteLength - int(8)) : data,
            Buffer.alloc(cut > 0 ? int(8) : 0),
          ]);
        } else {
          bytes = Buffer.from(base);
          const at = int(bytes.byteLength);
          bytes = Buffer.concat([
            bytes.subarray(0, at),
            Buffer.from([int(256)]),
            bytes.subarray(at),
          ]);
        }
        try {
          // Every mutation through the pure header parser; every 7th (all kinds) also through the file reader.
          const header = parseHeader(bytes);
          let covered = 0;
          for (const [, info] of header.tensors) {
            assert.equal(info.byteLength, numElements(info.shape) * dtypeSize(info.dtype));
            assert.ok(info.byteOffset >= header.dataStart);
            assert.ok(info.byteOffset + info.byteLength <= bytes.byteLength);
            const view = viewAs(
              info.dtype,
              bytes.subarray(info.byteOffset, info.byteOffset + info.byteLength),
            );
            assert.equal(view.length, numElements(info.shape));
            covered += info.byteLength;
          }
          assert.equal(header.dataStart + covered, bytes.byteLength);
          outcomes.parsed++;
        } catch (err) {
          if (!(err instanceof SafetensorsError)) {
            assert.fail(`mutation ${i} (kind ${kind}) threw ${String(err)}`);
          }
          outcomes.rejected++;
        }
        if (i % 7 === 0) {
          await fs.writeFile(p, bytes);
          let f: SafetensorsFile | undefined;
          try {
            f = await SafetensorsFile.open(p);
            for (const name of f.tensorNames()) {
              const tensor = await f.readTensor(name);
              assert.equal(tensor.data.length, numElements(f.info(name).shape));
            }
            fileOutcomes.parsed++;
          } catch (err) {
            if (!(err instanceof SafetensorsError)) {
              assert.fail(`mutation ${i} (kind ${kind}) threw ${String(err)} from the file reader`);
            }
            fileOutcomes.rejected++;
          } finally {
            await f?.close();
          }
        }
        maxGrowth = Math.max(maxGrowth, process.memoryUsage().arrayBuffers - memBefore);
      }
      assert.ok(outcomes.parsed > 50, `some mutations still parse: ${JSON.stringify(outcomes)}`);
      assert.ok(outcomes.rejected > 1000, `most are rejected: ${JSON.stringify(outcomes)}`);
      assert.ok(
        fileOutcomes.parsed > 5 && fileOutcomes.rejected > 100,
        JSON.stringify(fileOutcomes),
      );
      assert.ok(maxGrowth < 32 << 20, `no giant allocation (grew ${maxGrowth} bytes)`);
    });
  });
});
