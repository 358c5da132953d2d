import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { benchTables } from '../../../bench/doc-tables.js';
import { BENCH_DOC, fillTables, renderPage } from '../../../bench/render-docs.js';
import { qualityRun, type BenchResults } from '../../../bench/results.js';
import { targetInputOf } from '../../../bench/targets.js';
import { projectRoot } from '../../../infra/project-paths.js';

/** The results file the committed page was rendered from (its `source` table links it). */
async function committed(): Promise<{ doc: string; file: string; r: BenchResults }> {
  const doc = await readFile(BENCH_DOC, 'utf8');
  const file = /\[`(bench\/results\/[^`]+\.json)`\]/.exec(doc)?.[1];
  assert.ok(file, 'docs/benchmarks.md names its results file');
  const r = JSON.parse(await readFile(path.join(projectRoot, file), 'utf8')) as BenchResults;
  return { doc, file, r };
}

describe('bench docs', () => {
  it('fills each named table between its markers and keeps the prose', () => {
    const doc = 'Hand prose.\n\n<!-- table:a -->\nold\n<!-- /table:a -->\n\nMore prose.\n';
    assert.equal(
      fillTables(doc, { a: '| x |\n| --- |\n| 1 |' }),
      'Hand prose.\n\n<!-- table:a -->\n\n| x |\n| --- |\n| 1 |\n\n<!-- /table:a -->\n\nMore prose.\n',
    );
  });

  it('names a marker without a table, and a table without a marker', () => {
    assert.throws(
      () => fillTables('<!-- table:b -->\n<!-- /table:b -->', {}),
      /no table named "b"/,
    );
    assert.throws(() => fillTables('prose only', { a: 't' }), /no marker for: a/);
  });

  it('the committed page is what its results file renders (prose by hand, tables generated)', async () => {
    const { doc, file, r } = await committed();
    assert.equal(await renderPage(doc, r, file), doc);
  });

  it('reads quality runs by method, whatever their order in the file', async () => {
    const { file, r } = await committed();
    const q = r.quality;
    assert.ok(q, `${file} has a quality section`);
    const reversed: BenchResults = {
      ...r,
      quality: {
        ...q,
        equalTokens: [...q.equalTokens].reverse(),
        equalWallClock: { ...q.equalWallClock, runs: [...q.equalWallClock.runs].reverse() },
      },
    };
    assert.equal(qualityRun(q.equalWallClock.runs, 'full')?.method, 'full');
    assert.equal(qualityRun(q.equalWallClock.runs, 'elo+emb')?.trainEmbeddings, true);
    assert.deepEqual(targetInputOf(reversed).fullCp, targetInputOf(r).fullCp);
    const tables = (x: BenchResults) => benchTables(x, file);
    assert.equal(tables(reversed).claims, tables(r).claims);
    const engine = r.engine && { ...r.engine, matmul: [...r.engine.matmul].reverse() };
    // Start and end rows are labelled by each rate's own `at`, not by where it sits in the file.
    const rows = tables({ ...r, engine }).engine!.split('\n');
    assert.deepEqual([...rows].sort(), tables(r).engine!.split('\n').sort());
    const last = (s: string) => rows.findLastIndex((l) => l.includes(s));
    const first = (s: string) => rows.findIndex((l) => l.includes(s));
    assert.ok(first('run start') > 0 && last('run start') < first('run end'));
  });
});
