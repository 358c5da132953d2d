import { DefaultLogger, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { workflowsPath } from '../../../workers/workflow-bundle.js';
import { quietTemporalRuntime } from '../../support/quiet-runtime.js';
import { toyStages } from '../../support/toy-stages.js';
import { recordedHistories } from './histories.js';

/**
 * Determinism: every committed history replays through the current workflow code. A change that
 * would break runs in flight (new commands, reordered activities) fails here; re-record only for
 * a deliberate, versioned change (see docs/pipeline.md).
 */
describe('replay of recorded pipeline histories', () => {
  // The executor over this build's stages and the toy ones (most histories run toy stages).
  let bundle: WorkflowBundle;
  before(async () => {
    quietTemporalRuntime();
    const toys = await toyStages();
    bundle = await bundleWorkflowCode({
      workflowsPath: toys.workflowsPath,
      webpackConfigHook: toys.webpackConfigHook,
      logger: new DefaultLogger('WARN'),
    });
  });

  it('replays every history under test/histories without nondeterminism', async () => {
    const histories = await recordedHistories();
    assert.ok(histories.length >= 4, `only ${histories.length} histories recorded`);
    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: bundle, replayName: 'recorded-histories' },
      histories.map(({ name, history }) => ({ workflowId: name, history })),
    )) {
      results.push(result);
    }
    assert.deepEqual(
      results.map((r) => [r.workflowId, r.error ? String(r.error) : 'ok']),
      histories.map((h) => [h.name, 'ok']),
    );
  });

  it('replays the ELO run through the bundle workers ship (no stage pack)', async () => {
    const elo = (await recordedHistories()).find((h) => h.name === 'elo-run');
    assert.ok(elo, 'test/histories/elo-run.json is missing');
    const shipped = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    await Worker.runReplayHistory({ workflowBundle: shipped }, elo.history);
  });

  it('detects a history that the workflow code would not produce', async () => {
    const [first] = await recordedHistories();
    assert.ok(first);
    // The first activity the history says was scheduled is not the one the code schedules:
    // replay must refuse the history.
    const scheduled = first.history.events?.find(
      (e) => e.activityTaskScheduledEventAttributes,
    )?.activityTaskScheduledEventAttributes;
    assert.ok(scheduled?.activityType);
    scheduled.activityId = `${scheduled.activityId}-not-this-one`;
    scheduled.activityType.name = 'notAStage';
    await assert.rejects(Worker.runReplayHistory({ workflowBundle: bundle }, first.history));
  });
});
