import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedRegression, judgeTargets, type TargetInput } from '../../../bench/targets.js';

const input: TargetInput = {
  speedup: { measured: 4.6, ideal: 5 },
  base: { ko: 3.0, en: 2.0 },
  fullCp: { ko: 2.0, en: 2.2 },
  elo: [{ label: 'elo {0,7}', aligned: { ko: 2.0, en: 2.1 } }],
  target: 'ko',
  source: 'en',
  orchestrationOverhead: 0.05,
};
const byId = (i: TargetInput) => Object.fromEntries(judgeTargets(i).map((t) => [t.id, t.met]));

describe('bench targets', () => {
  it('meets every target at the boundaries', () => {
    assert.deepEqual(byId(input), {
      'speedup-vs-ideal': true, // 92%
      'target-bpb': true, // equal counts as no worse
      'source-regression': true, // +0.1 allowed at half of +0.2
      'orchestration-overhead': true, // exactly 5%
    });
  });

  it('misses each target just past its boundary', () => {
    const r = byId({
      ...input,
      speedup: { measured: 4.4, ideal: 5 },
      elo: [{ label: 'elo {0,7}', aligned: { ko: 2.001, en: 2.11 } }],
      orchestrationOverhead: 0.051,
    });
    assert.deepEqual(Object.values(r), [false, false, false, false]);
  });

  it('no English regression allowed when full CP has none', () => {
    assert.equal(allowedRegression(-0.3), 0);
    assert.equal(allowedRegression(0.3), 0.15);
    const r = byId({
      ...input,
      fullCp: { ko: 2.0, en: 1.9 },
      elo: [{ label: 'elo {0,7}', aligned: { ko: 1.9, en: 2.01 } }],
    });
    assert.equal(r['source-regression'], false);
  });

  it('judges every ELO variant on its own row', () => {
    const rows = judgeTargets({
      ...input,
      elo: [
        { label: 'elo {0,7}', aligned: { ko: 2.1, en: 2.05 } },
        { label: 'elo {0,7} +emb', aligned: { ko: 1.9, en: 2.15 }, wallMs: 186_700 },
      ],
      budgetMs: 155_500,
    }).filter((r) => r.variant);
    assert.deepEqual(
      rows.map((r) => [r.id, r.variant, r.met]),
      [
        ['target-bpb', 'elo {0,7}', false],
        ['source-regression', 'elo {0,7}', true],
        ['target-bpb', 'elo {0,7} +emb', true],
        ['source-regression', 'elo {0,7} +emb', false],
      ],
    );
    assert.match(rows[2]!.measured, /^elo \{0,7\} \+emb \+ alignment 1\.900 vs full CP 2\.000/);
    assert.match(rows[2]!.measured, /used 186\.7 s of the 155\.5 s budget$/);
    assert.doesNotMatch(rows[0]!.measured, /budget/);
  });

  it('orchestration overhead: met or missed only when the rounds agree', () => {
    const judge = (best: number, worst: number) =>
      judgeTargets({
        ...input,
        orchestrationOverhead: 0.01,
        orchestrationRange: { best, worst },
      }).find((t) => t.id === 'orchestration-overhead')!;
    assert.equal(judge(-0.02, 0.04).met, true);
    assert.equal(judge(0.06, 0.2).met, false);
    const open = judge(-0.16, 0.18);
    assert.equal(open.met, null);
    assert.equal(open.unresolved, true);
    assert.match(open.measured, /1\.0% \(median\); -16\.0% to 18\.0% .*spans the 5% line/);
  });

  it('reports unmeasured targets as null, not as met or missed', () => {
    const r = byId({ ...input, speedup: null, elo: [], orchestrationOverhead: null });
    assert.deepEqual(Object.values(r), [null, null, null, null]);
  });
});
