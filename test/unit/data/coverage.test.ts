import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessCoverage, unseenTargetWarning } from '../../../dataprep/coverage.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { describeEmbeddingCost, eloEmbeddingCost } from '../../../engine/train/embedding-cost.js';

// Figures of the shipped tokenizer and base (docs/data.md): English, Korean, and Greek, which
// neither the tokenizer nor the base saw.
const en = { lang: 'en', bytes: 10_000, tokens: 2_410, bitsPerByte: 2.43 };
const ko = { lang: 'ko', bytes: 10_000, tokens: 1_810, bitsPerByte: 1.8 };
const el = { lang: 'el', bytes: 10_000, tokens: 9_720, bitsPerByte: 14.3 };

describe('coverage of the target by the base', () => {
  it('finds a target the base knows a little covered', () => {
    const a = assessCoverage('ko', [en, ko])!;
    assert.equal(a.unseen, false);
    assert.deepEqual(a.why, []);
    assert.equal(a.tokensPerByteRatio.toFixed(2), '0.75');
    assert.equal(a.bitsPerByteRatio!.toFixed(2), '0.74');
  });

  it('finds a target the tokenizer splits into bytes and the model cannot predict unseen', () => {
    const a = assessCoverage('el', [en, ko, el])!;
    assert.equal(a.unseen, true);
    assert.deepEqual(a.sources.map((s) => s.lang), ['en', 'ko']);
    assert.match(a.why[0]!, /0\.97 tokens per byte/);
    assert.match(a.why[1]!, /base 14\.30 bits per byte, 6\.8x the sources'/);
    const w = unseenTargetWarning(a, { trainEmbeddings: false, cost: 'X' });
    assert.match(w, /cannot learn it: set elo\.train\.trainEmbeddings: true .*; that costs X\.$/);
    assert.match(unseenTargetWarning(a, { trainEmbeddings: true }), /is on, as it must be here/);
  });

  it('flags either measurement alone: tokens per byte far above the sources, or bits per byte', () => {
    const dense = { lang: 'xx', bytes: 1000, tokens: 620 }; // 0.62: under 0.75, 2.6x en's
    assert.equal(assessCoverage('xx', [en, dense])!.unseen, true);
    const blank = { lang: 'yy', bytes: 1000, tokens: 300, bitsPerByte: 7 }; // tokens fine
    const b = assessCoverage('yy', [en, blank])!;
    assert.equal(b.unseen, true);
    assert.equal(b.why.length, 1);
  });

  it('says nothing without the target or a source language', () => {
    assert.equal(assessCoverage('ko', [en]), undefined);
    assert.equal(assessCoverage('ko', [ko]), undefined);
    assert.equal(assessCoverage('ko', [en, { ...ko, bytes: 0, tokens: 0 }]), undefined);
  });
});

describe('what training the embeddings costs ELO', () => {
  const config = tinyConfig({
    vocabSize: 8192,
    hiddenSize: 128,
    intermediateSize: 512,
    numHiddenLayers: 16,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    maxPositionEmbeddings: 256,
    tieWordEmbeddings: true,
  });

  it('adds the embedding matrix to the trainables, its gradient and moments to memory', () => {
    const c = eloEmbeddingCost(config, [0, -1], 8, 128);
    assert.equal(c.trainableParams.trained - c.trainableParams.frozen, 8192 * 128);
    // Gradient + two AdamW moments of the embedding, float32, at least.
    assert.ok(c.memory.trained.total - c.memory.frozen.total >= 3 * 4 * 8192 * 128);
    assert.ok(c.flops.trained > c.flops.frozen);
    assert.match(describeEmbeddingCost(c), /training memory .* -> .*x the FLOPs per step/);
  });
});
