import { ScheduleNotFoundError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SA } from '../../pipeline/search-attributes.js';
import {
  createPipelineSchedule,
  deletePipelineSchedule,
  describePipelineSchedule,
  listPipelineSchedules,
  pausePipelineSchedule,
  triggerPipelineSchedule,
  unpausePipelineSchedule,
} from '../../client/schedules.js';
import { PipelineHarness, waitFor } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

describe('pipeline schedules (real Temporal server, real time)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    await h.close();
  });

  it('fires on its interval, pauses, triggers, and is deleted', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('sched');
    const scheduleId = uniqueName('nightly');
    const actions = async () =>
      (await describePipelineSchedule(h.client, scheduleId)).info.recentActions;
    await h.withWorkers(queues, async () => {
      await createPipelineSchedule(h.client, {
        scheduleId,
        spec: { intervals: [{ every: '2s' }] },
        run: {
          storeUri: uri,
          taskQueues: queues,
          targetLanguage: 'ko',
          config: { note: 'scheduled config' },
          dag: {
            name: 'scheduled',
            nodes: [{ id: 'hello', stage: 'toy-write-text', params: { text: 'tick' } }],
          },
        },
      });
      const described = await describePipelineSchedule(h.client, scheduleId);
      assert.equal(described.policies.overlap, 'SKIP');
      assert.equal(described.policies.pauseOnFailure, true);
      assert.equal(described.policies.catchupWindow, 600_000);
      assert.ok((await listPipelineSchedules(h.client)).some((s) => s.scheduleId === scheduleId));

      // It fires by itself, and the run it starts completes and is audited.
      const first = await waitFor(
        'the first scheduled run',
        async () => (await actions())[0],
        15_000,
      );
      const workflowId = first.action.workflow.workflowId;
      assert.ok(workflowId.startsWith(`${scheduleId}-`), workflowId);
      const run = h.client.workflow.getHandle(workflowId, undefined, {
        firstExecutionRunId: first.action.workflow.firstExecutionRunId,
      });
      const result = await run.result();
      assert.equal(result.runName, workflowId);
      assert.equal(result.nodes[0]?.state, 'succeeded');
      const desc = await run.describe();
      assert.equal(desc.memo?.['schedule'], scheduleId);
      assert.deepEqual(desc.memo?.['config'], { note: 'scheduled config' });
      assert.equal(desc.typedSearchAttributes.get(SA.runName), workflowId);
      assert.equal(desc.typedSearchAttributes.get(SA.targetLanguage), 'ko');

      // Paused, it does not fire; a trigger still starts a run.
      await pausePipelineSchedule(h.client, scheduleId, 'maintenance');
      const paused = await describePipelineSchedule(h.client, scheduleId);
      assert.equal(paused.state.paused, true);
      const count = (await actions()).length;
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await actions()).length, count);
      await triggerPipelineSchedule(h.client, scheduleId);
      await waitFor('the triggered run', async () =>
        (await actions()).length > count ? true : undefined,
      );
      await unpausePipelineSchedule(h.client, scheduleId);
      assert.equal((await describePipelineSchedule(h.client, scheduleId)).state.paused, false);

      await deletePipelineSchedule(h.client, scheduleId);
      await assert.rejects(describePipelineSchedule(h.client, scheduleId), ScheduleNotFoundError);
    });
  });
});
