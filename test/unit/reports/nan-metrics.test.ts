import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultsTable } from '../../../cli/results.js';
import type { NodeProgress } from '../../../client/describe-run.js';
import { ReportDataSchema } from '../../../reports/report-data.js';
import { evaluationTable } from '../../../reports/tables.js';

describe('NaN metrics (null after JSON) are typed and printed, never a crash', () => {
  it('the report data accepts them and its table prints NaN', () => {
    const evaluation = { lang: 'ko', set: 'validation', tokens: 10, bytes: 30 };
    // What JSON.stringify makes of a model that evaluates to NaN.
    const data = ReportDataSchema.parse(
      JSON.parse(
        JSON.stringify({
          run: { name: 'r', pipeline: 'elo', baseModel: 'b', targetLanguage: 'ko' },
          evaluations: [
            { model: 'base', ...evaluation, meanNll: 2, perplexity: 7.4, bitsPerByte: 1 },
            {
              model: 'elo',
              ...evaluation,
              meanNll: Number.NaN,
              perplexity: Number.NaN,
              bitsPerByte: Number.NaN,
            },
          ],
          training: [],
        }),
      ),
    );
    const elo = evaluationTable(data).rows.find((r) => r[2] === 'elo')!;
    assert.deepEqual(elo.slice(4), ['NaN', 'NaN', 'NaN', '']);
  });

  it('the results table of `elo run --watch` prints NaN', () => {
    const node = {
      id: 'eval-elo',
      stage: 'evaluate',
      stageVersion: '1',
      queue: 'cpu',
      state: 'succeeded',
      attempts: 1,
      outputs: {},
      metrics: { 'bitsPerByte.ko.validation': null, 'bitsPerByte.en.validation': 1.25 },
    } satisfies NodeProgress;
    const table = resultsTable([node]);
    assert.match(table, /ko\/validation\s+NaN/);
    assert.match(table, /en\/validation\s+1\.250/);
  });
});
