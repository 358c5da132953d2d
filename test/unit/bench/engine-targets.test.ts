import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeEngineTargets } from '../../../bench/engine-targets.js';
import type { BenchResults } from '../../../bench/results.js';

type Engine = NonNullable<BenchResults['engine']>;
const engine = (e: Partial<Engine>): Engine => ({
  trainFlops: 80e9,
  matmulFlops: 160e9,
  blasFlops: 200e9,
  blasFlopsOneThread: 100e9,
  matmul: [],
  blas: { available: true },
  ...e,
});
const blasTarget = (e: Engine | null) =>
  judgeEngineTargets({ peer: null, engine: e }).find((t) => t.id === 'train-vs-blas')!;

describe('engine targets', () => {
  it('holds the fastest repetition against BLAS (best of its repetitions) and shows the median', () => {
    const met = blasTarget(engine({ trainFlopsBest: 100e9 }));
    assert.equal(met.met, true); // exactly 50%
    assert.match(met.measured, /fastest repetition 100\.0 of best BLAS 200\.0 GFLOP\/s = 50%/);
    assert.match(met.measured, /median repetition 80\.0 = 40%/);
    assert.equal(blasTarget(engine({ trainFlopsBest: 99.9e9 })).met, false);
  });

  it('compares the median in files from before the fastest repetition was recorded', () => {
    assert.equal(blasTarget(engine({})).met, false);
    assert.equal(blasTarget(engine({ trainFlops: 100e9 })).met, true);
    assert.equal(blasTarget(engine({ trainFlopsBest: Number.NaN, trainFlops: 100e9 })).met, true);
  });

  it('is not measured without BLAS', () => {
    assert.equal(blasTarget(engine({ blasFlops: null })).met, null);
    assert.equal(blasTarget(null).met, null);
  });

  it('judges the PyTorch ratios at 1.0', () => {
    const entry = (ratio: number) => ({ oursMs: 100, torchMs: 100 * ratio, torchMinMs: 90, ratio });
    const peer = {
      torch: '2',
      threads: 2,
      steps: 1,
      byModel: { demo: { full: entry(1), elo: entry(0.99) } },
    };
    const byVariant = Object.fromEntries(
      judgeEngineTargets({ peer, engine: null })
        .filter((t) => t.id === 'vs-pytorch')
        .map((t) => [t.variant, t.met]),
    );
    assert.deepEqual(byVariant, {
      'demo full': true,
      'demo elo': false,
      'llmLike full': null,
      'llmLike elo': null,
    });
  });
});
