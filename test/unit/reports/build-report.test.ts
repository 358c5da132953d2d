import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildReport, REPORT_FILES } from '../../../reports/build-report.js';
import type { ReportData } from '../../../reports/report-data.js';
import { eloSpeedup } from '../../../reports/tables.js';

const evaluation = (model: string, lang: string, bpb: number) => ({
  model,
  lang,
  set: 'validation',
  tokens: 5000,
  bytes: 12000,
  meanNll: (bpb * 12000 * Math.LN2) / 5000,
  perplexity: Math.exp((bpb * 12000 * Math.LN2) / 5000),
  bitsPerByte: bpb,
});
const curve = (start: number) =>
  [0, 1, 2, 3].map((i) => ({ step: i, tokens: i * 1024, loss: start - i * 0.3 }));

export const sampleReport: ReportData = {
  run: {
    name: 'demo-ko',
    pipeline: 'elo',
    baseModel: 'tiny-en',
    targetLanguage: 'ko',
    codeVersion: 'abc1234',
    startedAt: '2026-11-28T00:59:00.000Z',
    reportedAt: '2026-11-28T01:03:00.000Z',
  },
  evaluations: [
    evaluation('base', 'ko', 2.5),
    evaluation('elo', 'ko', 2.0),
    evaluation('elo+align', 'ko', 1.9),
    evaluation('full-cp', 'ko', 1.95),
    evaluation('base', 'en', 1.2),
    evaluation('elo+align', 'en', 1.25),
  ],
  training: [
    {
      stage: 'elo-pretrain',
      method: 'elo',
      layers: [0, 3],
      tokens: 65536,
      wallMs: 20_000,
      tokensPerSec: 3276.8,
      trainableParams: 100_000,
      computedParams: 300_000,
      peakTensorBytes: 50e6,
      rssBytes: 400e6,
      curve: curve(5),
    },
    {
      stage: 'full-cp',
      method: 'full',
      tokens: 65536,
      wallMs: 50_000,
      tokensPerSec: 1310.7,
      trainableParams: 600_000,
      computedParams: 600_000,
      peakTensorBytes: 90e6,
      rssBytes: 500e6,
      curve: curve(5.1),
    },
  ],
  samples: [
    { model: 'elo+align', lang: 'ko', prompt: '<b>안녕</b>', completion: '하세요 | 반갑습니다' },
  ],
  timeline: [
    {
      node: 'detach',
      stage: 'detach',
      state: 'succeeded',
      attempts: 1,
      startedAt: '2026-11-28T01:00:00Z',
      endedAt: '2026-11-28T01:00:02Z',
    },
  ],
};

describe('run report', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-report-'));
    await buildReport(sampleReport, dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('computes the ELO speedup from tokens/s', () => {
    assert.equal(eloSpeedup(sampleReport)?.toFixed(2), '2.50');
    assert.equal(eloSpeedup({ ...sampleReport, training: [sampleReport.training[0]!] }), undefined);
  });

  it('writes markdown with the tables, the speedup, plots and samples', async () => {
    const md = await readFile(path.join(dir, REPORT_FILES.markdown), 'utf8');
    assert.match(md, /ELO trained 2\.50× faster/);
    // The report is the last node: it says when it was written, not "running".
    assert.match(
      md,
      /started 2026-11-28T00:59:00\.000Z · report written 2026-11-28T01:03:00\.000Z/,
    );
    assert.doesNotMatch(md, /running/);
    assert.match(md, /\| ko \| validation \| elo\+align \| 5,000 \| .* \| 1\.9000 \| -24\.0% \|/);
    assert.match(md, /\| elo-pretrain \| elo \| 0, 3 \| 65,536 \| 20\.0 s \| 3277 \|/);
    assert.match(md, /!\[loss curves\]\(loss\.svg\)/);
    assert.match(md, /하세요 \| 반갑습니다/);
    // Each sample says what a model at its held-out bits per byte can and cannot do.
    assert.match(md, /cannot answer questions, follow instructions or keep facts/);
    assert.match(
      md,
      /\*\*elo\+align\*\* \(ko\) .* — 1\.90 bits\/byte on ko: mostly well-formed phrases/,
    );
    assert.match(md, /\| detach \| detach \| succeeded \| 1 \|.*\| 2\.0 s \|/);
  });

  it('writes a self-contained HTML page with inline SVG plots and escaped text', async () => {
    const html = await readFile(path.join(dir, REPORT_FILES.html), 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length, 2);
    assert.doesNotMatch(html, /<script|<link|src="http/);
    assert.match(html, /&lt;b&gt;안녕&lt;\/b&gt;/);
    assert.match(html, /<div class="note">1\.90 bits\/byte on ko: mostly well-formed phrases/);
    assert.match(html, /<td class="n">1\.9000<\/td>/);
    const loss = await readFile(path.join(dir, REPORT_FILES.lossPlot), 'utf8');
    assert.match(loss, /elo-pretrain/);
    assert.match(loss, /full-cp/);
  });

  it('rejects report data that is not well formed, naming the field', async () => {
    const bad = {
      ...sampleReport,
      evaluations: [{ ...sampleReport.evaluations[0]!, bitsPerByte: 'x' }],
    };
    await assert.rejects(
      buildReport(bad as unknown as ReportData, dir),
      /evaluations.*0.*bitsPerByte|bitsPerByte/,
    );
  });
});
