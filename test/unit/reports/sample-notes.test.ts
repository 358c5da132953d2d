import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Evaluation, ReportData } from '../../../reports/report-data.js';
import { sampleNote } from '../../../reports/sample-notes.js';

const ev = (model: string, lang: string, set: string, bitsPerByte: number | null): Evaluation => ({
  model,
  lang,
  set,
  tokens: 100,
  bytes: 400,
  meanNll: 1,
  perplexity: 2,
  bitsPerByte,
});

const data: ReportData = {
  run: { name: 'r', pipeline: 'elo', baseModel: 'b', targetLanguage: 'ko' },
  evaluations: [
    ev('base', 'en', 'validation', 1.05),
    ev('base', 'ko', 'validation', 2.6),
    ev('base', 'ko', 'udhr', 0.5), // another set: not what the note reads
    ev('base', 'ja', 'validation', 13.8),
    ev('elo', 'ko', 'validation', null),
  ],
  training: [],
  samples: [],
  timeline: [],
};

describe('sample notes', () => {
  it("reads the model's validation bits per byte on the sample's language", () => {
    assert.match(sampleNote(data, 'base', 'en')!, /^1\.05 bits\/byte on en: fluent text/);
    assert.match(sampleNote(data, 'base', 'ko')!, /^2\.60 .*sentences do not hold together/);
    assert.match(sampleNote(data, 'base', 'ja')!, /^13\.80 .*next to no knowledge/);
  });

  it('says nothing where the run has no such figure', () => {
    assert.equal(sampleNote(data, 'elo', 'ko'), undefined);
    assert.equal(sampleNote(data, 'full-cp', 'ko'), undefined);
  });
});
