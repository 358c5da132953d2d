import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StageMemoryError } from '../../../activities/memory-gate.js';
import {
  evalMemory,
  evalStreams,
  formatParams,
  GB,
  paramCounts,
} from '../../../engine/memory-model.js';
import { tinyConfig } from '../../../engine/model/config.js';
import { methodMemory } from '../../../engine/train/selection-memory.js';
import { expectedTensorShapes } from '../../../formats/index.js';
import { configOf, LLAMA_32_3B as LLAMA_32_3B_SHAPE } from '../../../bench/scale/shapes.js';

const LLAMA_32_3B = configOf(LLAMA_32_3B_SHAPE); // meta-llama/Llama-3.2-3B's config
const ALL = Array.from({ length: 28 }, (_, i) => i);

const train = (layers: number[], mode: 'full' | 'elo', batchSize = 8, seqLen = 128) =>
  methodMemory(LLAMA_32_3B, mode, layers, batchSize, seqLen);

describe('memory model', () => {
  it('counts the parameters the HF layout has', () => {
    for (const config of [
      LLAMA_32_3B,
      tinyConfig({ attentionBias: true, oProjBias: true }),
      tinyConfig({ tieWordEmbeddings: true }),
    ]) {
      const want = [...expectedTensorShapes(config).values()].reduce(
        (n, s) => n + s.reduce((a, b) => a * b, 1),
        0,
      );
      const c = paramCounts(config);
      assert.equal(c.embedding + config.numHiddenLayers * c.layer + c.head, want);
    }
    assert.equal(formatParams(3.2128e9), '3.2B');
  });

  it('full CP of a 3.2B model: fp32 weights + AdamW alone are 16 bytes a parameter, 52 GB', () => {
    const full = train(ALL, 'full');
    assert.equal(full.params.trainable, full.params.computed);
    assert.equal(full.weights, 4 * full.params.computed);
    assert.equal(full.gradients, 4 * full.params.trainable);
    assert.ok(full.optimizer >= 8 * full.params.trainable);
    const weightsAndAdamW = full.weights + full.gradients + 8 * full.params.trainable;
    assert.ok(Math.abs(weightsAndAdamW / GB - 51.4) < 0.1, `${weightsAndAdamW / GB} GB`);
    // Activations at 8 x 128 tokens, the (tokens, vocab) logits and AdamW's per-tensor
    // temporaries come on top.
    assert.ok(full.total > weightsAndAdamW, `${full.total / GB} GB`);
    assert.equal(full.dominant, 'fp32 weights + AdamW');
    const refusal = new StageMemoryError(
      { estimate: full, what: 'full-cp of this 3.2B model', advice: 'use ELO or a bigger worker' },
      24 * GB,
    );
    assert.match(
      refusal.message,
      /^full-cp of this 3\.2B model needs ~\d\d GB \(fp32 weights \+ AdamW\); this worker has 24 GB: use ELO or a bigger worker$/,
    );
    assert.equal(refusal.nonRetryable, true);
  });

  it('ELO of the same model (first and last layer, embeddings frozen) fits in a fraction', () => {
    const full = train(ALL, 'full');
    const elo = train([0, 27], 'elo');
    assert.equal(elo.params.trainable, 2 * paramCounts(LLAMA_32_3B).layer);
    assert.ok(elo.total < full.total / 5, `${elo.total / GB} vs ${full.total / GB} GB`);
    // Activations follow the tokens (attention their square), logits the tokens; weights and the
    // tied head's two (vocab, hidden) copies neither.
    const bigger = train([0, 27], 'elo', 16, 256);
    const head = 2 * 4 * LLAMA_32_3B.vocabSize * LLAMA_32_3B.hiddenSize;
    assert.ok(bigger.activations - head > 4 * (elo.activations - head));
    assert.equal(bigger.logits, 4 * elo.logits);
    assert.equal(bigger.weights, elo.weights);
  });

  it('streaming evaluation holds one layer, not the model', () => {
    const shape = { config: LLAMA_32_3B, batchSize: 8, seqLen: 128, evalTokens: 4 * 8192 };
    const whole = evalMemory({ ...shape, streaming: false });
    const streamed = evalMemory({ ...shape, streaming: true });
    assert.ok(whole.total > 25 * GB, `${whole.total / GB}`);
    // Weights: embedding, head and one layer of 28; the logits terms are the same in both.
    assert.ok(streamed.weights < whole.weights / 4, `${streamed.weights / GB}`);
    assert.ok(streamed.total < whole.total / 3, `${streamed.total / GB}`);
    assert.equal(evalStreams(LLAMA_32_3B, 'auto'), true);
    assert.equal(evalStreams(tinyConfig(), 'auto'), false);
    assert.equal(evalStreams(tinyConfig(), 'always'), true);
    assert.equal(evalStreams(LLAMA_32_3B, 'never'), false);
  });
});
