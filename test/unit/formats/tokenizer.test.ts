import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HfTokenizer, TokenizerError, tokenizerHash } from '../../../formats/tokenizer.js';
import { CORPUS, makeByteLevelBpe, SPECIAL } from './bpe-fixture.js';
import { withTempDir } from './helpers.js';

const TEXTS = {
  en: 'The quick brown fox jumps over the lazy dog.',
  ko: '오늘 날씨가 정말 좋네요. 한국어 문장을 토큰으로 나눕니다.',
  ja: '今日はとても良い天気ですね。日本語の文章をトークンに分けます。',
  unseen: 'Zebra 🦓 ünïcödé\ttabs\n\n  double  spaces, 中文 과 カタカナ!',
};

describe('tokenizer', () => {
  const json = makeByteLevelBpe(CORPUS, 300);

  it('round-trips English, Korean and Japanese text', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'tokenizer.json');
      await fs.writeFile(file, JSON.stringify(json));
      const tok = await HfTokenizer.load(dir);
      for (const [lang, text] of Object.entries(TEXTS)) {
        const ids = tok.encode(text);
        assert.equal(tok.decode(ids), text, lang);
        assert.ok(
          ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize),
          lang,
        );
        const bytes = new TextEncoder().encode(text).length;
        // Trained merges compress the training languages; unseen text falls back to bytes.
        if (lang !== 'unseen') assert.ok(ids.length < bytes / 2, `${lang}: ${ids.length} ids`);
      }
    });
  });

  it('treats added special tokens as one id', () => {
    const tok = HfTokenizer.fromJson(json);
    const special = tok.tokenToId(SPECIAL)!;
    assert.equal(special, tok.vocabSize - 1);
    const ids = tok.encode(`fox${SPECIAL}dog`);
    assert.ok(ids.includes(special));
    assert.equal(tok.decode(ids), `fox${SPECIAL}dog`);
    assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'foxdog');
  });

  it('hashes the canonical JSON: formatting and key order do not count', async () => {
    const reordered = Object.fromEntries(Object.entries(json).reverse());
    assert.equal(tokenizerHash(reordered), tokenizerHash(json));
    assert.match(tokenizerHash(json), /^[0-9a-f]{64}$/);
    assert.notEqual(tokenizerHash(makeByteLevelBpe(CORPUS, 100)), tokenizerHash(json));
    await withTempDir(async (dir) => {
      await fs.writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(reordered, null, 4));
      assert.equal((await HfTokenizer.load(dir)).hash, tokenizerHash(json));
    });
  });

  it('names the file in errors', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'tokenizer.json');
      await fs.writeFile(file, '{"model": ');
      await assert.rejects(HfTokenizer.load(file), (err: unknown) => {
        assert.ok(err instanceof TokenizerError);
        assert.equal(err.message.startsWith(`${file}: not JSON`), true, err.message);
        return true;
      });
      await fs.writeFile(file, '{"version": "1.0"}');
      await assert.rejects(HfTokenizer.load(file), /tokenizer\.json: has no "model" section/);
      await assert.rejects(HfTokenizer.load(path.join(dir, 'nope')), /nope: not found/);
    });
  });
});
