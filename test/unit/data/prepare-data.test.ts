import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HfTokenizer, TokenShard } from '../../../formats/index.js';
import {
  DataPrepError,
  NotEnoughDataError,
  normalizeText,
  prepareData,
  type PrepareDataParams,
} from '../../../dataprep/index.js';
import { TOKENIZER, makeDocs, withTempDir, writeJsonl } from './helpers.js';

/** Small corpora: en and ko train (with duplicates, noise and short docs), eval sets, ja eval. */
async function corpora(dir: string): Promise<PrepareDataParams> {
  const en = makeDocs('en', 120, 40, 1);
  const ko = makeDocs('ko', 300, 40, 2);
  // Noise: exact duplicates (one after NFC only), too-short docs, docs in the wrong script.
  const koDecomposed = ko[0]!.normalize('NFD');
  assert.notEqual(koDecomposed, ko[0]);
  const koAll = [...ko, ko[5]!, koDecomposed, '짧다', ...makeDocs('en', 7, 40, 3)];
  await writeJsonl(path.join(dir, 'en.jsonl'), en);
  await writeJsonl(path.join(dir, 'ko.jsonl'), koAll, 'body');
  await fs.writeFile(path.join(dir, 'ko-eval.txt'), makeDocs('ko', 10, 40, 4).join('\n\n') + '\n');
  // One eval document is also a training document: it must be dropped as contamination.
  await writeJsonl(path.join(dir, 'en-eval.jsonl'), [...makeDocs('en', 10, 40, 5), en[3]!]);
  await writeJsonl(path.join(dir, 'ja-eval.jsonl'), makeDocs('ja', 10, 40, 6));
  return {
    languages: {
      en: {
        scripts: ['Latin'],
        train: [{ path: path.join(dir, 'en.jsonl') }],
        eval: { held: [{ path: path.join(dir, 'en-eval.jsonl') }] },
      },
      ko: {
        scripts: ['Hangul'],
        train: [{ path: path.join(dir, 'ko.jsonl'), textField: 'body' }],
        eval: { held: [{ path: path.join(dir, 'ko-eval.txt') }] },
      },
      ja: {
        scripts: ['Han', 'Hiragana', 'Katakana'],
        eval: { held: [{ path: path.join(dir, 'ja-eval.jsonl') }] },
      },
    },
    target: 'ko',
    tokenizer: TOKENIZER,
    seqLen: 32,
    validationFraction: 0.1,
    seed: 11,
    minChars: 20,
    shardTokens: 4000,
  };
}

async function decodeShard(tok: HfTokenizer, file: string, eos: number) {
  const shard = await TokenShard.open(file);
  try {
    const out: { lang: string; text: string; endsWithEos: boolean }[] = [];
    for (let i = 0; i < shard.documents.length; i++) {
      const ids = await shard.readDocument(i);
      out.push({
        lang: shard.documents[i]![2],
        text: tok.decode(ids.subarray(0, ids.length - 1)),
        endsWithEos: ids[ids.length - 1] === eos,
      });
    }
    return out;
  } finally {
    await shard.close();
  }
}

void describe('prepareData', () => {
  void it('cleans, splits, mixes 1:9 within tolerance and packs shards that decode back', async () => {
    await withTempDir(async (dir) => {
      const params = await corpora(dir);
      const out = path.join(dir, 'out');
      const r = await prepareData({ ...params, tokenBudget: 15_000 }, out);
      const tok = await HfTokenizer.load(TOKENIZER);
      const eos = r.stats.eosTokenId;
      assert.equal(eos, tok.tokenToId('<|eos|>'));

      const ko = r.stats.languages.ko!;
      assert.equal(ko.read.documents, 310);
      assert.deepEqual(ko.dropped, { tooShort: 1, script: 7, duplicate: 2 });
      assert.equal(ko.available.documents + ko.validation.documents, 300);
      assert.ok(ko.validation.documents > 10 && ko.validation.documents < 60);

      // The mix: exact budget, 1:9 within a tolerance of one document's worth.
      assert.equal(r.stats.trainTokens, 15_000);
      let trainTokens = 0;
      const perLang: Record<string, number> = {};
      const originals = new Set(
        [...makeDocs('en', 120, 40, 1), ...makeDocs('ko', 300, 40, 2)].map(normalizeText),
      );
      assert.ok(r.shards.train.length >= 4, 'shardTokens splits the training data');
      for (const f of r.shards.train) {
        const shard = await TokenShard.open(path.join(out, f));
        for (const [lang, n] of Object.entries(shard.languageCounts())) {
          perLang[lang] = (perLang[lang] ?? 0) + n;
        }
        trainTokens += shard.tokenCount;
        assert.ok(shard.tokenCount <= 4000);
        await shard.verify();
        await shard.close();
        for (const d of await decodeShard(tok, path.join(out, f), eos)) {
          assert.ok(d.endsWithEos);
          // Whole documents decode to an original; a cut one to a prefix of one.
          if (!originals.has(d.text)) {
            assert.ok([...originals].some((o) => o.startsWith(d.text)), `unknown doc ${d.text}`);
          }
        }
      }
      assert.equal(trainTokens, 15_000);
      assert.ok(Math.abs(perLang.en! / trainTokens - 0.1) < 0.005, `en share ${perLang.en}`);
      assert.ok(Math.abs(perLang.ko! / trainTokens - 0.9) < 0.005);
      // Languages are interleaved, not in blocks: every shard holds both.
      for (const f of r.shards.train) {
        const shard = await TokenShard.open(path.join(out, f));
        assert.deepEqual(new Set(shard.documents.map((d) => d[2])), new Set(['en', 'ko']), f);
        await shard.close();
      }

      // Validation: every document decodes back exactly, bytes counted.
      const valid = await decodeShard(tok, path.join(out, r.shards.validation.ko!), eos);
      assert.equal(valid.length, ko.validation.documents);
      for (const d of valid) assert.ok(originals.has(d.text) && d.lang === 'ko');
      assert.equal(
        ko.validation.bytes,
        valid.reduce((a, d) => a + Buffer.byteLength(d.text), 0),
      );

      // Eval sets: packed whole per language, contamination dropped, ja (eval only) included.
      assert.equal(r.stats.languages.en!.eval.held!.dropped.inTrain, 1);
      assert.equal(r.stats.languages.en!.eval.held!.documents, 10);
      const jaEval = await decodeShard(tok, path.join(out, r.shards.eval.ja!.held!), eos);
      assert.deepEqual(
        jaEval.map((d) => d.text),
        makeDocs('ja', 10, 40, 6),
      );
      assert.equal(
        r.stats.languages.ja!.eval.held!.bytes,
        makeDocs('ja', 10, 40, 6).reduce((a, t) => a + Buffer.byteLength(t), 0),
      );
      const koEval = await decodeShard(tok, path.join(out, r.shards.eval.ko!.held!), eos);
      assert.deepEqual(
        koEval.map((d) => d.text),
        makeDocs('ko', 10, 40, 4),
      );

      const written = JSON.parse(await fs.readFile(path.join(out, 'stats.json'), 'utf8'));
      assert.deepEqual(written, JSON.parse(JSON.stringify(r.stats)));
      assert.ok(!(await fs.readdir(out)).includes('.spill'));
    });
  });

  void it('is deterministic for a seed: same bytes twice, other bytes with another seed', async () => {
    await withTempDir(async (dir) => {
      const params = await corpora(dir);
      const a = await prepareData(params, path.join(dir, 'a'));
      const b = await prepareData(params, path.join(dir, 'b'));
      await prepareData({ ...params, seed: 12 }, path.join(dir, 'c'));
      assert.deepEqual(a, b);
      const bin = (d: string) => fs.readFile(path.join(dir, d, 'train/shard-0000.bin'));
      assert.deepEqual(await bin('a'), await bin('b'));
      assert.notDeepEqual(await bin('a'), await bin('c'));
      // No budget: the scarcer language decides; the target language is used up.
      const ko = a.stats.languages.ko!;
      assert.equal(ko.mixed!.tokens, ko.available.tokens);
    });
  });

  void it('fails before writing shards when a language is short, naming it', async () => {
    await withTempDir(async (dir) => {
      const params = await corpora(dir);
      const out = path.join(dir, 'out');
      // 20k tokens at 1:9: en has its 2,000, ko lacks a few hundred of its 18,000.
      await assert.rejects(
        prepareData({ ...params, tokenBudget: 20_000 }, out),
        (e: unknown) =>
          e instanceof NotEnoughDataError &&
          e.lang === 'ko' &&
          e.split === 'train' &&
          e.neededTokens === 18_000 &&
          e.availableTokens > 15_000 &&
          e.availableTokens < 18_000 &&
          /language "ko": \d+ tokens available, 18000 needed/.test(e.message),
      );
      await assert.rejects(fs.stat(out), { code: 'ENOENT' });
      await assert.rejects(
        prepareData({ ...params, seqLen: 100_000, validationFraction: 0.1 }, out),
        (e: unknown) => e instanceof NotEnoughDataError && e.split === 'validation',
      );
    });
  });

  void it('a bad source line fails with its field and leaves no output folder', async () => {
    await withTempDir(async (dir) => {
      const params = await corpora(dir);
      await fs.appendFile(path.join(dir, 'ko.jsonl'), '{"body": 1}\n');
      const out = path.join(dir, 'out');
      await assert.rejects(
        prepareData(params, out),
        (e: unknown) =>
          e instanceof DataPrepError &&
          e.field === 'languages.ko.train.0.path' &&
          /ko\.jsonl:311: no string field "body"/.test(e.message),
      );
      await assert.rejects(fs.stat(out), { code: 'ENOENT' });
    });
  });

  void it('an empty corpus file fails naming the file, not as too few tokens later', async () => {
    await withTempDir(async (dir) => {
      const params = await corpora(dir);
      await fs.writeFile(path.join(dir, 'ko.jsonl'), '');
      const out = path.join(dir, 'out');
      await assert.rejects(
        prepareData(params, out),
        (e: unknown) =>
          e instanceof DataPrepError &&
          e.field === 'languages.ko.train.0.path' &&
          /ko\.jsonl holds no documents \(the file is empty\)/.test(e.message),
      );
      await assert.rejects(fs.stat(out), { code: 'ENOENT' });
    });
  });

  void it('refuses an unknown eos token and a non-empty output folder', async () => {
    await withTempDir(async (dir) => {
      const params = await corpora(dir);
      await assert.rejects(
        prepareData({ ...params, eosToken: '</s>' }, path.join(dir, 'x')),
        (e: unknown) => e instanceof Error && /eosToken: "<\/s>" is not in/.test(e.message),
      );
      await fs.mkdir(path.join(dir, 'full'));
      await fs.writeFile(path.join(dir, 'full/keep'), 'x');
      await assert.rejects(prepareData(params, path.join(dir, 'full')), /not empty/);
      assert.equal(await fs.readFile(path.join(dir, 'full/keep'), 'utf8'), 'x');
    });
  });
});
