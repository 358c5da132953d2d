// The committed corpora and tokenizer: present, parseable, and as stats.json / NOTICE.md and
// docs/data.md describe them.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HfTokenizer } from '../../../formats/index.js';
import { sha256Hex } from '../../../storage/hashing.js';
import {
  parsePrepareDataParams,
  resolveMix,
  scriptMatcher,
  shippedCorporaParams,
  utf8Bytes,
} from '../../../dataprep/index.js';
import { CORPORA, REPO, TOKENIZER } from './helpers.js';

interface Stats {
  languages: { code: string; scripts: string[] }[];
  packages: { name: string; version: string; license: string; archiveSha256: string }[];
  files: { lang: string; split: string; file: string; documents: number; bytes: number; sha256: string }[];
}

const readStats = async (): Promise<Stats> =>
  JSON.parse(await fs.readFile(path.join(CORPORA, 'stats.json'), 'utf8')) as Stats;

void describe('shipped corpora', () => {
  void it('every file in stats.json is there, parses and matches its counts and hash', async () => {
    const stats = await readStats();
    assert.ok(stats.files.length >= 8);
    let total = 0;
    for (const f of stats.files) {
      const body = await fs.readFile(path.join(CORPORA, f.file), 'utf8');
      total += Buffer.byteLength(body);
      assert.equal(sha256Hex(body), f.sha256, f.file);
      const lines = body.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, f.documents, f.file);
      let bytes = 0;
      const ids = new Set<string>();
      for (const l of lines) {
        const doc = JSON.parse(l) as { id: string; text: string };
        assert.equal(typeof doc.text, 'string');
        assert.equal(doc.text, doc.text.normalize('NFC'));
        ids.add(doc.id);
        bytes += utf8Bytes(doc.text);
      }
      assert.equal(ids.size, lines.length, `${f.file}: ids are unique`);
      assert.equal(bytes, f.bytes, f.file);
    }
    assert.ok(total < 8 * 1024 * 1024, `corpora total ${total} bytes`);
  });

  void it('has the splits docs/data.md promises, in the documented sizes', async () => {
    const stats = await readStats();
    const by = (file: string) => stats.files.find((f) => f.file === file);
    const koTrain = by('ko/train.jsonl')!;
    const enTrain = by('en/train.jsonl')!;
    assert.ok(koTrain.bytes > 1_000_000 && koTrain.bytes < 2_000_000, `ko ${koTrain.bytes}`);
    assert.ok(enTrain.bytes >= koTrain.bytes, 'English train is at least as large as Korean');
    for (const lang of ['en', 'ko', 'ja']) {
      for (const split of ['eval-install-guide', 'eval-udhr']) {
        assert.ok(by(`${lang}/${split}.jsonl`), `${lang}/${split}`);
      }
    }
    const doc = await fs.readFile(path.join(REPO, 'docs/data.md'), 'utf8');
    for (const f of stats.files) {
      const cells = doc
        .split('\n')
        .map((l) => l.split('|').map((c) => c.trim().replace(/,/g, '')))
        .find((c) => c[1] === f.lang && c[2] === f.split);
      assert.ok(cells, `docs/data.md has a row for ${f.file}`);
      assert.equal(Number(cells[3]), f.documents, `${f.file} documents in docs/data.md`);
      assert.equal(Number(cells[4]), f.bytes, `${f.file} bytes in docs/data.md`);
    }
  });

  void it('keeps documents mostly in their language’s script (sampled)', async () => {
    const stats = await readStats();
    for (const f of stats.files) {
      const lang = stats.languages.find((l) => l.code === f.lang)!;
      const m = scriptMatcher(lang.scripts);
      const lines = (await fs.readFile(path.join(CORPORA, f.file), 'utf8')).split('\n');
      for (const l of lines.filter((_, i) => i % 25 === 0 && lines[i] !== '')) {
        const { text } = JSON.parse(l) as { text: string };
        assert.ok(m.share(text) >= 0.5, `${f.file}: ${text.slice(0, 80)}`);
      }
    }
  });

  void it('NOTICE.md names every package with its version, license and archive hash', async () => {
    const stats = await readStats();
    const notice = await fs.readFile(path.join(CORPORA, 'NOTICE.md'), 'utf8');
    for (const p of stats.packages) {
      assert.ok(notice.includes(`| ${p.name} |`), p.name);
      assert.ok(notice.includes(p.version) && notice.includes(p.license), p.name);
      assert.ok(notice.includes(p.archiveSha256), p.name);
    }
  });
});

void describe('shippedCorporaParams', () => {
  void it('builds valid params from stats.json: train and eval files per language', async () => {
    const raw = await shippedCorporaParams({
      dataDir: path.join(REPO, 'data'),
      target: 'ko',
      seqLen: 256,
    });
    const p = parsePrepareDataParams(raw);
    assert.deepEqual(Object.keys(p.languages).sort(), ['en', 'ja', 'ko']);
    assert.deepEqual(resolveMix(p), { en: 0.1, ko: 0.9 });
    assert.equal(p.languages.ja!.train.length, 0);
    assert.deepEqual(Object.keys(p.languages.ja!.eval).sort(), ['install-guide', 'udhr']);
    for (const lang of Object.values(p.languages)) {
      for (const s of [...lang.train, ...Object.values(lang.eval).flat()]) await fs.access(s.path);
    }
  });
});

void describe('shipped tokenizer', () => {
  void it('loads through formats/, with its special tokens and config', async () => {
    const tok = await HfTokenizer.load(TOKENIZER);
    assert.equal(tok.vocabSize, 8192);
    assert.equal(tok.tokenToId('<|bos|>'), 0);
    assert.equal(tok.tokenToId('<|eos|>'), 1);
    assert.equal(tok.tokenToId('<|pad|>'), 2);
    assert.deepEqual(tok.encode('안녕', { addSpecialTokens: true }).slice(0, 1), [0]);
    const config = JSON.parse(await fs.readFile(path.join(TOKENIZER, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.eos_token, '<|eos|>');
  });

  void it('round-trips Korean, English and Japanese corpus text at the documented rates', async () => {
    const tok = await HfTokenizer.load(TOKENIZER);
    // Upper bounds on tokens per UTF-8 byte (measured values are in docs/data.md).
    const bound: Record<string, number> = {
      'en/train.jsonl': 0.3,
      'ko/train.jsonl': 0.3,
      'en/eval-udhr.jsonl': 0.3,
      'ko/eval-udhr.jsonl': 0.35,
      'ja/eval-udhr.jsonl': 1.05,
    };
    for (const [file, max] of Object.entries(bound)) {
      const lines = (await fs.readFile(path.join(CORPORA, file), 'utf8')).split('\n');
      let tokens = 0;
      let bytes = 0;
      for (const l of lines.slice(0, 30).filter((x) => x !== '')) {
        const { text } = JSON.parse(l) as { text: string };
        const ids = tok.encode(text);
        assert.equal(tok.decode(ids), text, `${file} round trip`);
        tokens += ids.length;
        bytes += utf8Bytes(text);
      }
      assert.ok(tokens / bytes < max, `${file}: ${tokens / bytes} tokens/byte`);
    }
  });
});
