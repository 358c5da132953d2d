import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mean,
  median,
  ratioOfMedians,
  relativeChange,
  secondHalfMean,
  summarize,
} from '../../../bench/summary.js';

describe('bench summaries', () => {
  it('median of odd and even counts, NaN for none', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('summarize gives n, min, median, max without reordering the input', () => {
    const xs = [5, 1, 9, 3];
    assert.deepEqual(summarize(xs), { n: 4, min: 1, median: 4, max: 9 });
    assert.deepEqual(xs, [5, 1, 9, 3]);
  });

  it('ratio of medians with the extremes the repetitions allow', () => {
    const slow = summarize([90, 100, 110]);
    const fast = summarize([20, 25, 30]);
    const r = ratioOfMedians(slow, fast);
    assert.equal(r.median, 4);
    assert.equal(r.low, 3);
    assert.equal(r.high, 5.5);
  });

  it('mean and relative change', () => {
    assert.equal(mean([1, 2, 3]), 2);
    assert.equal(relativeChange(2, 2.5), 0.25);
  });

  it('steady state is the mean of the second half (odd counts keep the middle)', () => {
    assert.equal(secondHalfMean([100, 10, 12]), 11);
    assert.equal(secondHalfMean([100, 50, 10, 12]), 11);
  });
});
