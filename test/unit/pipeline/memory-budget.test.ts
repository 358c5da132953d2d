import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MemoryRequest, StageMemoryError } from '../../../activities/memory-gate.js';
import { RUNTIME_BYTES, streamingStageMemory } from '../../../engine/memory-model.js';
import { MemoryBudget } from '../../../workers/memory-budget.js';
import { parseByteSize, workerEnv } from '../../../workers/worker-env.js';

/** A request whose bytes beyond the process runtime are `bytes`. */
function request(nodeId: string, bytes: number): MemoryRequest {
  const estimate = { ...streamingStageMemory(), total: RUNTIME_BYTES + bytes };
  return {
    estimate,
    what: `${nodeId} of this model`,
    advice: 'a bigger worker',
    run: 'r',
    nodeId,
    stage: 'train',
  };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('worker memory budget', () => {
  it('admits while estimates fit, holds the next in arrival order, releases', async () => {
    const budget = new MemoryBudget(RUNTIME_BYTES + 10e9);
    const signal = new AbortController().signal;
    const releaseA = await budget.admit(request('a', 6e9), signal);
    const b = budget.admit(request('b', 6e9), signal);
    const c = budget.admit(request('c', 1e9), signal); // would fit, but b came first
    assert.equal(await settled(b), false);
    assert.equal(await settled(c), false);
    assert.deepEqual(
      budget.snapshot().admitted.map((s) => s.nodeId),
      ['a'],
    );
    assert.equal(budget.snapshot().waiting, 2);
    assert.equal(budget.snapshot().inUseBytes, RUNTIME_BYTES + 6e9);
    releaseA();
    const releaseB = await b;
    const releaseC = await c;
    assert.deepEqual(
      budget.snapshot().admitted.map((s) => s.nodeId),
      ['b', 'c'],
    );
    releaseB();
    releaseC();
    releaseC(); // twice is harmless
    assert.equal(budget.snapshot().inUseBytes, RUNTIME_BYTES);
  });

  it('refuses at once what can never fit, naming estimate and budget', async () => {
    const budget = new MemoryBudget(24e9);
    await assert.rejects(
      budget.admit(request('full-cp', 52e9), new AbortController().signal),
      (err) => {
        assert.ok(err instanceof StageMemoryError);
        assert.match(
          err.message,
          /^full-cp of this model needs ~52 GB \(.*\); this worker has 24 GB: a bigger worker$/,
        );
        return true;
      },
    );
  });

  it('a cancelled waiter leaves the queue and lets the next one in', async () => {
    const budget = new MemoryBudget(RUNTIME_BYTES + 10e9);
    const release = await budget.admit(request('a', 8e9), new AbortController().signal);
    const cancel = new AbortController();
    const big = budget.admit(request('big', 9e9), cancel.signal);
    const small = budget.admit(request('small', 1e9), new AbortController().signal);
    cancel.abort(new Error('cancelled'));
    await assert.rejects(big, /cancelled/);
    (await small)();
    release();
    assert.equal(budget.snapshot().waiting, 0);
  });

  it('reads ELO_MEMORY_BUDGET in decimal and binary units', () => {
    assert.equal(parseByteSize('24GB'), 24e9);
    assert.equal(parseByteSize('16 GiB'), 16 * 2 ** 30);
    assert.equal(parseByteSize('8e9'), 8e9);
    assert.equal(parseByteSize('lots'), undefined);
    assert.equal(workerEnv({ ELO_MEMORY_BUDGET: '2GB' }).ELO_MEMORY_BUDGET, 2e9);
    assert.equal(workerEnv({}).ELO_MEMORY_BUDGET, undefined);
    assert.throws(
      () => workerEnv({ ELO_MEMORY_BUDGET: 'lots' }),
      /ELO_MEMORY_BUDGET: expected a size/,
    );
  });
});
