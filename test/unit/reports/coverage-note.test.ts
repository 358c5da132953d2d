import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coverageNote } from '../../../reports/coverage-note.js';
import type { Evaluation, ReportData } from '../../../reports/report-data.js';

const ev = (model: string, lang: string, tokens: number, bpb: number): Evaluation => ({
  model,
  lang,
  set: 'validation',
  tokens,
  bytes: 10_000,
  meanNll: 1,
  perplexity: 2,
  bitsPerByte: bpb,
});

const report = (target: string, evaluations: Evaluation[]): ReportData => ({
  run: { name: 'r', pipeline: 'elo', baseModel: 'b', targetLanguage: target },
  evaluations,
  training: [],
  samples: [],
  timeline: [],
});

describe("the report's coverage note", () => {
  it("warns from the base's own evaluation where the target is essentially unseen", () => {
    const n = coverageNote(
      report('el', [
        ev('base', 'en', 2400, 2.4),
        ev('base', 'el', 9700, 14.1),
        ev('elo', 'el', 9700, 9),
      ]),
    )!;
    assert.equal(n.unseen, true);
    assert.match(n.text, /^Coverage warning: the base model has essentially not seen el/);
    assert.match(n.text, /frozen embeddings .* cannot learn it: train the embeddings/);
  });

  it('gives the figures where the base covers the target, and nothing without a base evaluation', () => {
    const n = coverageNote(
      report('ko', [ev('base', 'en', 2400, 2.4), ev('base', 'ko', 1800, 2.2)]),
    )!;
    assert.equal(n.unseen, false);
    assert.match(n.text, /ko 0\.180 tokens\/byte \(2\.20 bits\/byte\) vs en 0\.240/);
    assert.equal(coverageNote(report('ko', [ev('elo', 'ko', 1800, 2.2)])), undefined);
  });
});
