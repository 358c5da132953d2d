import assert from 'node:assert/strict';
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createCacheActivities } from '../../../activities/pipeline/cache.js';
import { openStore } from '../../../storage/open-store.js';

describe('cache keys over source contents (prepare-data names its corpora by path)', () => {
  it('a corpus edited in place changes the key; the same bytes rewritten or touched do not', async () => {
    const dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'src-'));
    const corpus = path.join(dir, 'ko.jsonl');
    const tokenizer = path.join(dir, 'tokenizer');
    await writeFile(corpus, '{"text":"안녕하세요"}\n');
    const { pipelineCacheLookup } = createCacheActivities(async (uri) => openStore(uri));
    const params = {
      data: {
        languages: { ko: { scripts: ['Hangul'], train: [{ path: corpus }] } },
        tokenizer,
        seqLen: 32,
      },
    };
    const keyNow = async () =>
      (
        await pipelineCacheLookup({
          storeUri: dir,
          stage: 'prepare-data',
          version: '1',
          params,
          inputs: {},
          lookup: false,
        })
      ).key;

    const first = await keyNow();
    await writeFile(corpus, '{"text":"안녕하세요"}\n');
    await utimes(corpus, new Date(0), new Date(0));
    assert.equal(await keyNow(), first, 'same bytes, same key');
    await writeFile(corpus, '{"text":"반갑습니다"}\n');
    const edited = await keyNow();
    assert.notEqual(edited, first, 'an edited corpus must not hit the old cache entry');
    await writeFile(corpus, '{"text":"안녕하세요"}\n');
    assert.equal(await keyNow(), first, 'back to the old bytes, back to the old key');
  });
});
