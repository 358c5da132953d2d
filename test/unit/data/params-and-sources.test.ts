import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  DataPrepError,
  parsePrepareDataParams,
  readSource,
  resolveMix,
  type SourceDocument,
} from '../../../dataprep/index.js';
import { withTempDir } from './helpers.js';

const base = {
  languages: {
    en: { scripts: ['Latin'], train: [{ path: 'en.jsonl' }] },
    ko: { scripts: ['Hangul'], train: [{ path: 'ko.jsonl' }] },
  },
  target: 'ko',
  tokenizer: 'tok',
  seqLen: 64,
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataPrepError) return e.field;
    throw e;
  }
  assert.fail('expected a DataPrepError');
}

void describe('PrepareDataParams', () => {
  void it('fills defaults and the paper mix (other:target = 1:9)', () => {
    const p = parsePrepareDataParams(base);
    assert.equal(p.validationFraction, 0.05);
    assert.equal(p.seed, 0);
    assert.equal(p.languages.ko!.minScriptShare, 0.5);
    assert.equal(p.languages.en!.train[0]!.textField, 'text');
    assert.deepEqual(resolveMix(p), { en: 0.1, ko: 0.9 });
  });

  void it('shares the 1 part among several other languages; normalizes an explicit mix', () => {
    const three = {
      ...base,
      languages: { ...base.languages, ja: { scripts: ['Han'], train: [{ path: 'ja.txt' }] } },
    };
    const m = resolveMix(parsePrepareDataParams(three));
    assert.ok(Math.abs(m.en! - 0.05) < 1e-12 && Math.abs(m.ja! - 0.05) < 1e-12);
    assert.deepEqual(resolveMix(parsePrepareDataParams({ ...base, mix: { en: 1, ko: 3 } })), {
      en: 0.25,
      ko: 0.75,
    });
  });

  void it('names the field of each error', () => {
    assert.equal(fieldOf(() => parsePrepareDataParams({ ...base, seqLen: 0 })), 'seqLen');
    assert.equal(
      fieldOf(() =>
        parsePrepareDataParams({
          ...base,
          languages: { ...base.languages, ko: { scripts: ['Hangeul'], train: [{ path: 'k' }] } },
        }),
      ),
      'languages.ko.scripts',
    );
    assert.equal(fieldOf(() => parsePrepareDataParams({ ...base, mix: { fr: 1 } })), 'mix.fr');
    assert.equal(fieldOf(() => parsePrepareDataParams({ ...base, target: 'ja' })), 'target');
    assert.equal(fieldOf(() => parsePrepareDataParams({ ...base, target: undefined })), 'mix');
    assert.equal(
      fieldOf(() =>
        parsePrepareDataParams({
          ...base,
          languages: { ...base.languages, en: { scripts: ['Latin'], train: [{ path: '' }] } },
        }),
      ),
      'languages.en.train.0.path',
    );
    assert.equal(
      fieldOf(() => parsePrepareDataParams({ ...base, validationFraction: 0.9 })),
      'validationFraction',
    );
  });
});

async function collect(gen: AsyncGenerator<SourceDocument>): Promise<SourceDocument[]> {
  const out: SourceDocument[] = [];
  for await (const d of gen) out.push(d);
  return out;
}

void describe('readSource', () => {
  void it('splits plain text at blank lines and reads JSONL by text field', async () => {
    await withTempDir(async (dir) => {
      const txt = path.join(dir, 'a.txt');
      await fs.writeFile(txt, 'first line\nsame doc\n\n\n  \nsecond\r\n\r\nthird');
      const docs = await collect(readSource({ path: txt, textField: 'text' }, 'f'));
      assert.deepEqual(
        docs.map((d) => d.text),
        ['first line\nsame doc', 'second', 'third'],
      );
      assert.equal(docs[1]!.where, `${txt}:6`);

      const jl = path.join(dir, 'b.jsonl');
      await fs.writeFile(jl, '{"body":"one\\n\\ntwo"}\n\n{"body":"three"}\n');
      const j = await collect(readSource({ path: jl, textField: 'body' }, 'f'));
      assert.deepEqual(
        j.map((d) => d.text),
        ['one\n\ntwo', 'three'],
      );
    });
  });

  void it('reports bad JSONL lines, missing fields and missing files with the field', async () => {
    await withTempDir(async (dir) => {
      const jl = path.join(dir, 'c.jsonl');
      await fs.writeFile(jl, '{"text":"ok"}\n{"text":\n');
      await assert.rejects(
        collect(readSource({ path: jl, textField: 'text' }, 'languages.en.train.0.path')),
        (e: unknown) =>
          e instanceof DataPrepError &&
          e.field === 'languages.en.train.0.path' &&
          e.message.includes(`${jl}:2: not JSON`),
      );
      await assert.rejects(
        collect(readSource({ path: jl, textField: 'content' }, 'x')),
        /no string field "content"/,
      );
      await assert.rejects(
        collect(readSource({ path: path.join(dir, 'nope.txt'), textField: 'text' }, 'y')),
        (e: unknown) => e instanceof DataPrepError && e.field === 'y',
      );
    });
  });
});
