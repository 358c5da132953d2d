import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkpointKey,
  checkpointStep,
  newestFirst,
} from '../../../engine/train/checkpoint-keys.js';

describe('checkpoint keys', () => {
  it('one format: 8 digits, sorting as text sorts by step', () => {
    assert.equal(
      checkpointKey('runs/r/train/checkpoints', 42),
      'runs/r/train/checkpoints/step-00000042',
    );
    const keys = [3, 120, 7].map((s) => checkpointKey('p', s));
    assert.deepEqual([...keys].sort().reverse(), newestFirst(keys));
  });

  it('reads keys of other padding (older 9-digit test-stage keys) by their number', () => {
    assert.equal(checkpointStep('p/step-000000042'), 42);
    assert.deepEqual(newestFirst(['p/step-000000009', 'p/step-00000010', 'p/MANIFEST.json']), [
      'p/step-00000010',
      'p/step-000000009',
    ]);
    assert.equal(checkpointStep('p/not-a-step'), undefined);
  });
});
