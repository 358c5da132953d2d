import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matMulCosts } from '../../../engine/flops.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { idealSpeedup, planMethod } from '../../../bench/flop-model.js';

const config = tinyConfig({
  numHiddenLayers: 8,
  vocabSize: 64,
  hiddenSize: 16,
  intermediateSize: 32,
});
const shape = { batchSize: 2, seqLen: 8 };
const all = Array.from({ length: 8 }, (_, i) => i);
const sum = (xs: { flops: number }[]) => xs.reduce((a, c) => a + c.flops, 0);

describe('bench FLOP model', () => {
  it('full CP: forward of every layer and the head, backward = dX everywhere past the embedding + dW of every weight', () => {
    const plan = planMethod(config, 'full', [], shape);
    const costs = matMulCosts(config, all, shape);
    assert.equal(plan.flops.forward, sum(costs));
    const dW = sum(costs.filter((c) => c.weight));
    assert.equal(plan.flops.backward, sum(costs) + dW);
    assert.deepEqual(plan.computedLayers, all);
  });

  it('ELO computes only λ: forward of the kept layers + head, backward from the first kept layer, dW of the kept layers only', () => {
    const plan = planMethod(config, 'elo', [0, -1], shape);
    assert.deepEqual(plan.layers, [0, 7]);
    assert.deepEqual(plan.computedLayers, [0, 7]);
    const costs = matMulCosts(config, [0, 7], shape);
    const head = costs.find((c) => c.name === 'lm_head')!.flops;
    const layerDw = sum(costs.filter((c) => c.weight && c.name !== 'lm_head'));
    assert.equal(plan.flops.forward, sum(costs));
    assert.equal(plan.flops.backward, sum(costs) + layerDw); // no dW for the frozen head
    assert.ok(head > 0);
    assert.ok(plan.trainable.every((n) => /^model\.layers\.(0|7)\./.test(n)));
    assert.ok(plan.params.trainable < plan.params.computed);
  });

  it('freeze-tune computes every layer but trains only λ: no forward savings', () => {
    const freeze = planMethod(config, 'freeze-tune', [0, 7], shape);
    const full = planMethod(config, 'full', [], shape);
    assert.equal(freeze.flops.forward, full.flops.forward);
    assert.ok(freeze.flops.backward < full.flops.backward);
    assert.equal(freeze.params.computed, full.params.computed);
  });

  it('ideal speedup is the ratio of step FLOPs, larger the fewer layers ELO keeps', () => {
    const full = planMethod(config, 'full', [], shape);
    const two = planMethod(config, 'elo', [0, 7], shape);
    const three = planMethod(config, 'elo', [0, 4, 7], shape);
    assert.equal(idealSpeedup(full, two), full.flops.total / two.flops.total);
    assert.ok(idealSpeedup(full, two) > idealSpeedup(full, three));
    assert.ok(idealSpeedup(full, three) > 1);
  });
});
