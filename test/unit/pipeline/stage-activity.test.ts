import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { concat, reject } from '../../fixtures/toy-stages/text.js';
import { train } from '../../fixtures/toy-stages/train.js';
import { trainingHooks } from '../../../activities/training-hooks.js';
import { implementStage, type StageImplementation } from '../../../activities/stage-activity.js';
import { toyTrain } from '../../fixtures/toy-stages/stages.js';
import type { StageActivityInput, StageActivityResult } from '../../../pipeline/stage-call.js';
import type { ArtifactStore } from '../../../storage/artifact-store.js';
import { openStore } from '../../../storage/open-store.js';
import { stageInput } from '../../support/stage-input.js';

describe('stage activity wrapper', () => {
  let dir: string;
  let store: ArtifactStore;
  const deps = { storeFor: () => Promise.resolve(store) };
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-stage-'));
    store = openStore(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const input = (nodeId: string, params: unknown, inputs = {}): StageActivityInput =>
    stageInput(store.rootUri, nodeId, params, inputs);
  const run = (
    impl: StageImplementation,
    args: StageActivityInput,
    env = new MockActivityEnvironment({ attempt: 1 }),
  ): Promise<StageActivityResult> => env.run((i: StageActivityInput) => impl.run(i, deps), args);

  it('refuses bad params and inputs as non-retryable, naming each field', async () => {
    await assert.rejects(run(concat, input('c', { separator: 3 }, { b: { uri: 'x' } })), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'InvalidStageInput');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /toy-concat: params invalid: separator: .*string/i);
      return true;
    });
    await assert.rejects(run(concat, input('c', {}, { b: { uri: 'x' } })), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.match(err.message, /inputs invalid: a: .*; b\.sha256: /);
      return true;
    });
  });

  it('turns errors the stage lists into non-retryable failures, with the attempt', async () => {
    await assert.rejects(
      run(reject, input('r', { reason: 'no' }), new MockActivityEnvironment({ attempt: 3 })),
      (err) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, 'ToyRejectedError');
        assert.equal(err.nonRetryable, true);
        assert.deepEqual(err.details, [{ stage: 'toy-reject', attempt: 3 }]);
        return true;
      },
    );
  });

  it("every heartbeat and failure names the worker; heartbeats carry the worker's memory", async () => {
    const tagged = {
      ...deps,
      worker: '9@gpu-3',
      workerMemory: () => ({ budgetBytes: 100, inUseBytes: 40, admitted: [] }),
    };
    const env = new MockActivityEnvironment({ attempt: 2 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const looping = implementStage(toyTrain, async (ctx) => {
      ctx.progress({ step: 1, tokens: 8, loss: 1, tokensPerSec: 10 });
      throw new Error('boom');
    });
    await assert.rejects(
      env.run((i: StageActivityInput) => looping.run(i, tagged), input('w', { steps: 1 })),
      (err) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.deepEqual(err.details, [{ stage: 'toy-train', attempt: 2, worker: '9@gpu-3' }]);
        return true;
      },
    );
    assert.deepEqual(beats[0], {
      step: 1,
      tokens: 8,
      loss: 1,
      tokensPerSec: 10,
      worker: '9@gpu-3',
      workerMemory: { budgetBytes: 100, inUseBytes: 40 },
    });
  });

  it('refuses heartbeat details over a few KB', async () => {
    const chatty = implementStage({ ...toyTrain, name: 'chatty' }, async (ctx) => {
      ctx.progress({
        step: 1,
        tokens: 1,
        loss: 1,
        tokensPerSec: 1,
        weights: new Array(2000).fill(0.5),
      } as never);
      throw new Error('not reached');
    });
    await assert.rejects(run(chatty, input('chatty', { steps: 1 })), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'ProgressTooLarge');
      assert.equal(err.nonRetryable, true);
      return true;
    });
  });

  it('trainingHooks: steps become progress, cancellation stops the loop and is rethrown', async () => {
    // A loop shaped like the engine's Trainer.run: hooks polled between steps.
    const looping = implementStage({ ...toyTrain, name: 'looping' }, async (ctx) => {
      const hooks = trainingHooks(ctx);
      let step = 0;
      while (step < 1000 && !hooks.shouldStop()) {
        step += 1;
        hooks.onStep({ step, tokens: step * 8, loss: 1 / step, tokensPerSec: 100 });
        if (step % 3 === 0) hooks.onCheckpoint(`runs/unit/looping/ckpt/step-${step}`, step);
        await new Promise((r) => setTimeout(r, 2));
      }
      hooks.rethrowIfStopped({ stopped: step < 1000 });
      throw new Error('not cancelled');
    });
    const env = new MockActivityEnvironment({ attempt: 1 });
    const beats: Array<{ step: number; lastCheckpoint?: { step: number; uri: string } }> = [];
    env.on('heartbeat', (d: (typeof beats)[number]) => {
      if (d) beats.push(d);
      if (d?.step === 10) env.cancel();
    });
    await assert.rejects(run(looping, input('looping', { steps: 1 }), env), CancelledFailure);
    // A checkpoint is named in a heartbeat at once, not only with the next step.
    const named = beats.findIndex((b) => b.lastCheckpoint?.step === 9);
    assert.equal(beats[named]?.step, 9);
    assert.equal(beats[named - 1]?.step, 9);
    assert.equal(beats[named - 1]?.lastCheckpoint?.step, 6);
    assert.match(
      beats[named]?.lastCheckpoint?.uri ?? '',
      /^file:.*\/runs\/unit\/looping\/ckpt\/step-9$/,
    );
    // Steps 1-10 and checkpoints 3, 6, 9 (one more step may slip in before the cancel lands).
    assert.ok(beats.length >= 13 && beats.length <= 14, `${beats.length} heartbeats`);
  });

  it('checkpoints on cancellation and resumes past a corrupt newest checkpoint, exactly', async () => {
    const params = { steps: 40, dim: 8, checkpointEvery: 5, stepDelayMs: 5, seed: 3 };
    const reference = await run(train, input('reference', { ...params, stepDelayMs: 0 }));

    // Attempt 1: cancelled after step 17 has been reported.
    const env = new MockActivityEnvironment({ attempt: 1 });
    let last: unknown;
    env.on('heartbeat', (details: { step?: number }) => {
      last = details;
      if ((details?.step ?? 0) >= 17) env.cancel();
    });
    await assert.rejects(run(train, input('train', params), env), CancelledFailure);
    const keys = await store.list('runs/unit/train/');
    const steps = keys.map((k) => Number(/step-(\d+)$/.exec(k)?.[1]));
    assert.deepEqual(steps.slice(0, 3), [5, 10, 15]);
    const cancelStep = steps[3] ?? 0;
    assert.ok(cancelStep >= 17 && cancelStep < 20, `cancellation checkpoint at ${cancelStep}`);

    // Damage the newest checkpoint's weights: the retry must skip it and use step 15.
    const newest = path.join(dir, keys[3]!, 'state.f64');
    await writeFile(newest, Buffer.alloc(8 * 16));
    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: last });
    const resumed = await run(train, input('train', params), retry);
    assert.equal(resumed.metrics['resumedFromStep'], 15);
    const bytes = async (r: StageActivityResult) =>
      store.readFile(store.keyOf(r.outputs['weights']!.uri), 'weights.f64');
    assert.ok((await bytes(resumed)).equals(await bytes(reference)));
  });
});
