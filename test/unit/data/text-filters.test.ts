import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DataPrepError,
  dropReason,
  normalizeText,
  scriptMatcher,
  utf8Bytes,
} from '../../../dataprep/index.js';

const ko = scriptMatcher(['Hangul']);
const en = scriptMatcher(['Latin']);
const ja = scriptMatcher(['Han', 'Hiragana', 'Katakana']);

void describe('normalizeText', () => {
  void it('composes to NFC: decomposed Hangul jamo and combining accents', () => {
    const decomposed = '\u1112\u1161\u11ab\u1100\u1173\u11af'; // 한글 as jamo
    assert.equal(decomposed.length, 6);
    assert.equal(normalizeText(decomposed), '한글');
    assert.equal(normalizeText('caf\u0065\u0301'), 'café');
    assert.equal(normalizeText('한글'), normalizeText(decomposed));
  });

  void it('unifies line ends and trims trailing whitespace and outer blank lines', () => {
    assert.equal(normalizeText('\n\na  \r\nb\t\rc \n\n'), 'a\nb\nc');
  });

  void it('counts UTF-8 bytes', () => {
    assert.equal(utf8Bytes('a한'), 4);
    assert.equal(utf8Bytes('日本'), 6);
  });
});

void describe('script share', () => {
  void it('counts letters only: digits, punctuation and spaces are neutral', () => {
    assert.equal(ko.share('한국어 123 !!! ...'), 1);
    assert.equal(ko.share('한국 ab'), 0.5);
    assert.equal(en.share('12345 ... ???'), 0);
  });

  void it('keeps each language and drops the others (ko/en/ja)', () => {
    const texts = {
      ko: '모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다.',
      en: 'All human beings are born free and equal in dignity and rights.',
      ja: 'すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。',
    };
    const matchers = { ko, en, ja };
    for (const [lang, m] of Object.entries(matchers)) {
      for (const [textLang, text] of Object.entries(texts)) {
        const f = { minChars: 10, minScriptShare: 0.5, matcher: m };
        const reason = dropReason(text, f);
        assert.equal(reason, lang === textLang ? undefined : 'script', `${lang} filter on ${textLang}`);
      }
    }
  });

  void it('keeps a Korean document with some English product names, drops a mostly English one', () => {
    const f = { minChars: 1, minScriptShare: 0.5, matcher: ko };
    assert.equal(dropReason('LibreOffice Writer에서 표를 삽입하고 셀을 병합하는 방법입니다.', f), undefined);
    assert.equal(dropReason('Choose Tools - Options - LibreOffice Writer - 보기', f), 'script');
  });

  void it('drops documents under minChars, counting code points', () => {
    const f = { minChars: 5, minScriptShare: 0, matcher: ko };
    assert.equal(dropReason('한국어입니', f), undefined); // 5 code points, 15 bytes
    assert.equal(dropReason('한국어', f), 'tooShort');
    assert.equal(dropReason('', { ...f, minChars: 0 }), 'tooShort');
  });

  void it('refuses unknown script names, naming the field', () => {
    assert.throws(
      () => scriptMatcher(['Hangul', 'Klingon'], 'languages.ko.scripts'),
      (e: unknown) =>
        e instanceof DataPrepError &&
        e.field === 'languages.ko.scripts' &&
        /Klingon/.test(e.message),
    );
    assert.throws(() => scriptMatcher([]), DataPrepError);
    assert.throws(() => scriptMatcher(['Latin}|.']), DataPrepError);
  });
});
