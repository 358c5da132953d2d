import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  atLeast,
  compare,
  fmtSpread,
  noWorse,
  spreadOf,
} from '../../../bench/quality/seed-stats.js';

describe('seed statistics', () => {
  it('gives mean and min–max', () => {
    const s = spreadOf([2.5, 2.7, 2.6]);
    assert.equal(s.mean.toFixed(3), '2.600');
    assert.deepEqual([s.min, s.max, s.n], [2.5, 2.7, 3]);
    assert.equal(fmtSpread(s), '2.600 (2.500–2.700)');
    assert.throws(() => spreadOf([]));
  });

  it('gives a verdict only where the difference exceeds the spread', () => {
    const a = spreadOf([2.5, 2.52, 2.54]); // ±0.02
    const near = spreadOf([2.53, 2.55, 2.57]); // 0.03 apart, margin 0.04
    const far = spreadOf([2.7, 2.71, 2.72]);
    assert.equal(compare(a, near).says, 'within spread');
    assert.equal(noWorse(a, near), 'not resolved');
    assert.equal(compare(a, far).says, 'lower');
    assert.equal(noWorse(a, far), 'met');
    assert.equal(noWorse(far, a), 'missed');
    assert.equal(compare(far, a).diff.toFixed(2), '0.19');
  });

  it('checks a threshold against the whole range', () => {
    assert.equal(atLeast(spreadOf([5.1, 5.6]), 5), 'met');
    assert.equal(atLeast(spreadOf([4.1, 4.6]), 5), 'missed');
    assert.equal(atLeast(spreadOf([4.8, 5.6]), 5), 'not resolved');
  });
});
