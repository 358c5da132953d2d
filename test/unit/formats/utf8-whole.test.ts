import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../../infra/project-paths.js';
import { HfTokenizer } from '../../../formats/tokenizer.js';
import { decodeWholeUtf8 } from '../../../formats/utf8-whole.js';
import { CORPUS, makeByteLevelBpe } from './bpe-fixture.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('decodeWholeUtf8', () => {
  it('holds back an incomplete character at the end instead of writing U+FFFD', () => {
    const b = bytes('한국어'); // 3 bytes per syllable
    for (let cut = 0; cut <= b.length; cut++) {
      const r = decodeWholeUtf8(b.subarray(0, cut));
      assert.equal(r.text, '한국어'.slice(0, Math.floor(cut / 3)), `cut ${cut}`);
      assert.equal(r.tail.length, cut % 3, `cut ${cut}`);
      assert.equal(r.dropped, 0);
    }
    const emoji = bytes('a🦓'); // 4-byte sequence
    const r = decodeWholeUtf8(emoji.subarray(0, 4));
    assert.deepEqual([r.text, [...r.tail]], ['a', [0xf0, 0x9f, 0xa6]]);
  });

  it('skips ill-formed bytes inside the stream (stray continuation, overlong, surrogate)', () => {
    const b = Uint8Array.from([0x41, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, ...bytes('é'), 0x42]);
    const r = decodeWholeUtf8(b);
    assert.equal(r.text, 'Aé' + 'B');
    assert.equal(r.dropped, 6);
    assert.equal(r.tail.length, 0);
    assert.ok(!r.text.includes('\uFFFD'));
  });
});

describe('HfTokenizer.decodeContinuation', () => {
  const tok = HfTokenizer.fromJson(makeByteLevelBpe(CORPUS, 300));

  it('never writes U+FFFD where a cut falls inside a character, and loses no whole character', () => {
    const text = '오늘 날씨가 정말 좋네요. 日本語 🦓 ünï';
    const ids = tok.encode(text);
    // The fixture falls back to single bytes for unseen characters: some pieces split them.
    const plain = ids.map((_, k) => tok.decode(ids.slice(0, k + 1)));
    assert.ok(
      plain.some((s) => s.includes('\uFFFD')),
      'the fixture splits a character somewhere',
    );
    for (let k = 0; k <= ids.length; k++) {
      const prompt = ids.slice(0, k);
      const r = tok.decodeContinuation(prompt, ids.slice(k));
      assert.ok(!r.prompt.includes('\uFFFD') && !r.completion.includes('\uFFFD'), `cut ${k}`);
      assert.equal(r.prompt + r.completion, text, `cut ${k}`);
      for (let m = k; m <= ids.length; m++) {
        const part = tok.decodeContinuation(prompt, ids.slice(k, m));
        assert.ok(!part.completion.includes('\uFFFD'), `cut ${k}..${m}`);
        assert.ok(text.startsWith(part.prompt + part.completion), `cut ${k}..${m}`);
      }
    }
  });

  it('skips special tokens when asked and keeps them otherwise', async () => {
    const shipped = await HfTokenizer.load(path.join(projectRoot, 'data', 'tokenizer'));
    const ids = [0, ...shipped.encode('안녕하세요')];
    assert.equal(
      shipped.decodeContinuation(ids, [1], { skipSpecialTokens: true }).prompt,
      '안녕하세요',
    );
    const kept = shipped.decodeContinuation(ids, [1]);
    assert.deepEqual(kept, { prompt: '<|bos|>안녕하세요', completion: '<|eos|>' });
  });
});
