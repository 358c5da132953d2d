import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QualityRun } from '../../../bench/quality.js';
import { judgeSeedTargets, renderSeeds, speedups } from '../../../bench/quality/seeds-render.js';
import type { SeedRun, SeedsResults } from '../../../bench/quality/seeds.js';

const q = (
  label: string,
  method: QualityRun['method'],
  ko: number,
  en: number,
  trainMs: number,
  aligned?: [number, number],
): QualityRun => ({
  label,
  method,
  layers: method === 'full' ? [] : [0, 15],
  steps: 10,
  tokens: 10_240,
  wallMs: trainMs + 500,
  trainMs,
  finalLoss: 5,
  bpb: { ko, en },
  ...(aligned
    ? { aligned: { steps: 2, wallMs: 1000, finalLoss: 5, bpb: { ko: aligned[0], en: aligned[1] } } }
    : {}),
});

/** One seed: ELO 6x faster; after alignment ELO beats full CP on ko by ~0.1; `jitter` moves all. */
function seed(s: number, jitter: number): SeedRun {
  const j = (x: number) => x + jitter;
  const full = q('full', 'full', j(2.5), j(2.5), 6000);
  const elo = q('elo {0,15}', 'elo', j(2.45), j(2.42), 1000, [j(2.4), j(2.41)]);
  const emb = q('elo {0,15} +emb', 'elo', j(2.44), j(2.43), 1200, [j(2.39), j(2.41)]);
  const freeze = q('freeze-tune {0,15}', 'freeze-tune', j(2.6), j(2.45), 4000);
  const other = q('elo {7,8}', 'elo', j(2.7), j(2.42), 1000);
  return {
    seed: s,
    equalTokens: [full, freeze, elo, emb],
    equalWallClock: { budgetMs: 6500, runs: [full, freeze, elo, emb] },
    ablation: [
      ['first+last', elo],
      ['two middle', other],
    ],
  };
}

const results: SeedsResults = {
  startedAt: 'a',
  endedAt: 'b',
  baseModel: 'data/models/x',
  model: { layers: 16, hiddenSize: 128, params: 5e6 },
  target: 'ko',
  source: 'en',
  steps: 10,
  tokensPerStep: 1024,
  alignSteps: 2,
  peakLr: 1e-3,
  evalTokens: 1000,
  idealSpeedup: 4.4,
  base: q('base', 'base', 2.8, 2.4, 0),
  seeds: [seed(0, 0), seed(1, 0.01), seed(2, -0.01)],
};

describe('quality over seeds: targets and page', () => {
  it('judges the four paper targets from means and spreads', () => {
    assert.equal(speedups(results).mean.toFixed(2), '6.00');
    const t = judgeSeedTargets(results);
    assert.deepEqual(
      t.map((x) => x.verdict),
      ['met', 'met', 'met', 'met', 'met', 'met'],
    );
    // ko: ELO+align 2.40 vs full 2.50, ranges ±0.01 each: beyond the spread.
    assert.match(t[1]!.measured, /^2\.400 \(2\.390–2\.410\) vs 2\.500 \(2\.490–2\.510\)$/);
  });

  it('withholds a verdict where the difference is inside the spread', () => {
    const wide = { ...results, seeds: [seed(0, 0), seed(1, 0.2), seed(2, -0.2)] };
    const t = judgeSeedTargets(wide);
    assert.equal(t[1]!.verdict, 'not resolved');
    const page = renderSeeds(wide, 'bench/results/x.json');
    assert.match(page, /within the spread: no verdict/);
    assert.match(page, /\| first\+last \| 0, 15 \|/);
  });
});
