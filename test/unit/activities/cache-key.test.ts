import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKey } from '../../../activities/pipeline/cache-key.js';

const ref = (sha: string, uri = 'file:///runs/a/n/text') => ({
  uri,
  sha256: sha.repeat(64).slice(0, 64),
  bytes: 3,
  meta: {},
});

describe('cacheKey', () => {
  const base = {
    stage: 'toy-concat',
    version: '1',
    params: { separator: '\n', delayMs: 0 },
    inputs: { a: ref('a'), b: ref('b') },
  };
  it('is a sha256 that ignores key order and input URIs', () => {
    const key = cacheKey(base);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(
      cacheKey({
        ...base,
        params: { delayMs: 0, separator: '\n' },
        inputs: { b: ref('b', 's3://bucket/elsewhere'), a: ref('a') },
      }),
      key,
    );
  });
  it('changes with the stage, its version, any param or any input digest', () => {
    const key = cacheKey(base);
    const variants = [
      { ...base, stage: 'toy-write-text' },
      { ...base, version: '2' },
      { ...base, params: { separator: ' ', delayMs: 0 } },
      { ...base, inputs: { a: ref('a'), b: ref('c') } },
      { ...base, inputs: { a: ref('a') } },
    ];
    const keys = new Set(variants.map(cacheKey));
    assert.equal(keys.size, variants.length);
    assert.ok(!keys.has(key));
  });
});
