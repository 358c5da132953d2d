import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NotEnoughDataError,
  documentHash,
  isValidation,
  planMix,
} from '../../../dataprep/index.js';

const hashes = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => documentHash(`${tag} document ${i}`));

void describe('train/validation split by hash', () => {
  void it('is deterministic for a seed and changes with the seed', () => {
    const hs = hashes(2000, 'a');
    const a = hs.map((h) => isValidation(h, 7, 0.1));
    const b = hs.map((h) => isValidation(h, 7, 0.1));
    const c = hs.map((h) => isValidation(h, 8, 0.1));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  void it('takes about the fraction asked for', () => {
    const hs = hashes(4000, 'b');
    const share = hs.filter((h) => isValidation(h, 1, 0.1)).length / hs.length;
    assert.ok(Math.abs(share - 0.1) < 0.02, `validation share ${share}`);
    assert.equal(hs.filter((h) => isValidation(h, 1, 0)).length, 0);
  });

  void it('keeps every document on its side when other documents are added', () => {
    const old = hashes(500, 'c');
    const before = new Map(old.map((h) => [h, isValidation(h, 3, 0.2)]));
    const grown = [...hashes(700, 'd'), ...old].reverse();
    for (const h of grown) {
      if (before.has(h)) assert.equal(isValidation(h, 3, 0.2), before.get(h));
    }
  });
});

void describe('planMix', () => {
  void it('splits a budget by shares, exactly', () => {
    const p = planMix({ en: 0.1, ko: 0.9 }, { en: 5000, ko: 50_000 }, 10_001, 16);
    assert.equal(p.budget, 10_001);
    assert.equal(p.tokens.en! + p.tokens.ko!, 10_001);
    assert.equal(p.tokens.en, 1000);
  });

  void it('without a budget takes as much as the scarcest language allows', () => {
    const p = planMix({ en: 0.1, ko: 0.9 }, { en: 5000, ko: 9000 }, undefined, 16);
    assert.equal(p.budget, 10_000);
    assert.deepEqual(p.tokens, { en: 1000, ko: 9000 });
  });

  void it('names the language and the token counts when data is short', () => {
    assert.throws(
      () => planMix({ en: 0.1, ko: 0.9 }, { en: 5000, ko: 8000 }, 10_000, 16),
      (e: unknown) =>
        e instanceof NotEnoughDataError &&
        e.lang === 'ko' &&
        e.availableTokens === 8000 &&
        e.neededTokens === 9000 &&
        /not enough train data for language "ko": 8000 tokens available, 9000 needed/.test(
          e.message,
        ),
    );
  });

  void it('refuses a share smaller than one training row', () => {
    assert.throws(
      () => planMix({ en: 0.01, ko: 0.99 }, { en: 10, ko: 1000 }, 1000, 32),
      (e: unknown) => e instanceof NotEnoughDataError && e.lang === 'en' && e.neededTokens === 33,
    );
  });
});
