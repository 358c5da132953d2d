import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  TokenShard,
  TokenShardError,
  TokenShardWriter,
  tokenDType,
} from '../../../formats/token-shard.js';
import { prng, withTempDir } from './helpers.js';

const HASH = 'a'.repeat(64);

describe('token shards', () => {
  it('picks uint16 up to 65536 ids, uint32 above', () => {
    assert.equal(tokenDType(65536), 'uint16');
    assert.equal(tokenDType(65537), 'uint32');
  });

  for (const vocabSize of [50_000, 151_936]) {
    it(`writes and reads at any offset (vocab ${vocabSize})`, async () => {
      await withTempDir(async (dir) => {
        const bin = path.join(dir, 'shard-0.bin');
        // A small buffer forces many flushes, so appends cross buffer boundaries.
        const w = await TokenShardWriter.create(bin, {
          vocabSize,
          tokenizerHash: HASH,
          bufferBytes: 64,
        });
        const rand = prng(vocabSize);
        const docs: [number[], string][] = [];
        for (let d = 0; d < 40; d++) {
          const toks = Array.from({ length: Math.floor(rand() * 50) }, () =>
            Math.floor(rand() * vocabSize),
          );
          const lang = d % 10 === 0 ? 'en' : 'ko';
          docs.push([toks, lang]);
          await w.appendDocument(toks, lang);
        }
        const idx = await w.close();
        const all = docs.flatMap(([t]) => t);
        assert.equal(idx.tokenCount, all.length);
        assert.equal(idx.dtype, tokenDType(vocabSize));
        const size = (await fs.stat(bin)).size;
        assert.equal(size, all.length * (vocabSize <= 65536 ? 2 : 4));
        assert.deepEqual((await fs.readdir(dir)).sort(), ['shard-0.bin', 'shard-0.json']);

        const shard = await TokenShard.open(bin);
        try {
          await shard.verify();
          for (let k = 0; k < 50; k++) {
            const off = Math.floor(rand() * all.length);
            const n = Math.floor(rand() * (all.length - off + 1));
            assert.deepEqual([...(await shard.read(off, n))], all.slice(off, off + n));
          }
          assert.deepEqual([...(await shard.readDocument(7))], docs[7]![0]);
          const counts = shard.languageCounts();
          assert.equal((counts.en ?? 0) + (counts.ko ?? 0), all.length);
          await assert.rejects(shard.read(all.length - 1, 2), /outside its/);
        } finally {
          await shard.close();
        }
      });
    });
  }

  it('reads without loading the shard', async () => {
    await withTempDir(async (dir) => {
      const bin = path.join(dir, 'big.bin');
      const w = await TokenShardWriter.create(bin, { vocabSize: 1000, tokenizerHash: HASH });
      const doc = new Uint16Array(1 << 20).map((_, i) => i % 1000);
      for (let i = 0; i < 16; i++) await w.appendDocument(doc, 'en'); // 32 MB of tokens
      await w.close();
      const before = process.memoryUsage().arrayBuffers;
      const shard = await TokenShard.open(bin);
      const got = await shard.read(15 << 20, 5);
      const grown = process.memoryUsage().arrayBuffers - before;
      await shard.close();
      assert.deepEqual([...got], [0, 1, 2, 3, 4], 'document 15 starts at 15 << 20');
      assert.ok(grown < 1 << 20, `grew ${grown} bytes`);
    });
  });

  it('refuses bad tokens, and bad or mismatched files, naming the file', async () => {
    await withTempDir(async (dir) => {
      const bin = path.join(dir, 's.bin');
      const w = await TokenShardWriter.create(bin, { vocabSize: 10, tokenizerHash: HASH });
      await assert.rejects(w.appendDocument([1, 10], 'en'), /token 10 .* outside vocab 10/);
      await w.appendDocument([1, 2, 3], 'en');
      await w.close();
      const indexPath = path.join(dir, 's.json');
      const index = JSON.parse(await fs.readFile(indexPath, 'utf8'));

      const expectError = async (
        mutate: (i: typeof index) => void,
        message: RegExp,
        file = indexPath,
      ) => {
        const copy = structuredClone(index);
        mutate(copy);
        await fs.writeFile(indexPath, JSON.stringify(copy));
        await assert.rejects(TokenShard.open(indexPath), (err: unknown) => {
          assert.ok(err instanceof TokenShardError, String(err));
          assert.equal(err.file, file);
          assert.match(err.message, message);
          return true;
        });
      };
      await expectError((i) => (i.version = 2), /version/);
      await expectError((i) => (i.tokenCount = 4), /documents cover 3 tokens, tokenCount is 4/);
      await expectError((i) => (i.documents = [[1, 3, 'en']]), /documents.0 starts at 1/);
      await expectError((i) => (i.dtype = 'uint32'), /dtype uint32 does not fit/);
      await expectError((i) => (i.bin = '../s.bin'), /not a file name/);
      await expectError((i) => (i.sha256 = 'xyz'), /sha256/);
      await fs.writeFile(indexPath, JSON.stringify(index));
      await fs.appendFile(bin, Buffer.from([0, 0]));
      await assert.rejects(TokenShard.open(bin), /s\.bin: is 8 bytes, index says 3 tokens/);
      await fs.writeFile(bin, Buffer.from([1, 0, 2, 0, 4, 0]));
      const shard = await TokenShard.open(bin);
      await assert.rejects(shard.verify(), /s\.bin: sha256 .* does not match/);
      await shard.close();
    });
  });

  it('leaves no files under the final names if never closed', async () => {
    await withTempDir(async (dir) => {
      const w = await TokenShardWriter.create(path.join(dir, 'x.bin'), {
        vocabSize: 10,
        tokenizerHash: HASH,
      });
      await w.appendDocument([1, 2], 'en');
      const names = await fs.readdir(dir);
      assert.equal(names.length, 1);
      assert.match(names[0]!, /^x\.bin\.tmp-/);
      await w.abort();
      assert.deepEqual(await fs.readdir(dir), []);
    });
  });
});
