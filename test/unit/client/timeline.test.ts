import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTimeline, historyToTimeline, type RunTimeline } from '../../../client/timeline.js';
import { historyFromJson } from '../../../client/history-json.js';
import { recordedHistories } from '../pipeline/histories.js';

async function timelineOf(name: string): Promise<RunTimeline> {
  const found = (await recordedHistories()).find((h) => h.name === name);
  assert.ok(found, `history ${name} not recorded`);
  return historyToTimeline(found.history);
}

const outcomes = (t: RunTimeline) =>
  t.nodes.map((n) => `${n.node}:${n.outcome}:${n.attempts}`).sort();

describe('historyToTimeline', () => {
  it('shows parallel stages scheduled together, then the join', async () => {
    const t = await timelineOf('diamond-succeeded');
    assert.equal(t.status, 'completed');
    assert.equal(t.workflowType, 'runPipeline');
    assert.deepEqual(outcomes(t), ['join:completed:1', 'left:completed:1', 'right:completed:1']);
    const kinds = t.entries.map((e) => `${e.node}:${e.kind}`);
    const firstDone = kinds.findIndex((k) => k.endsWith(':completed'));
    assert.ok(kinds.indexOf('left:scheduled') < firstDone, kinds.join(' '));
    assert.ok(kinds.indexOf('right:scheduled') < firstDone, kinds.join(' '));
    assert.ok(kinds.indexOf('join:scheduled') > kinds.lastIndexOf('right:completed'));
    assert.ok(kinds.indexOf('join:scheduled') > kinds.lastIndexOf('left:completed'));
    const text = formatTimeline(t);
    assert.match(
      text,
      /^run diamond-\S+ \(runPipeline\) started .*, completed after \d+\.\d{3}s$/m,
    );
    assert.match(text, /^\s+join\s+toy-concat\s+completed\s+attempts 1\s+\d+\.\d{3}s$/m);
    // Which worker ran the attempt: the started event's identity.
    const started = t.entries.find((e) => e.node === 'join' && e.kind === 'started');
    assert.match(started?.detail ?? '', /^on \d+@\S+$/);
  });

  it('names the worker a retried attempt was lost on, from its last heartbeat', () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const lastBeat = {
      metadata: { encoding: b64('json/plain') },
      data: b64(JSON.stringify({ step: 7, worker: '41@gpu-2' })),
    };
    // The standard proto-JSON form, as `temporal workflow show -o json` writes it.
    const history = historyFromJson(
      JSON.stringify({
        events: [
          {
            eventId: '5',
            eventTime: '2026-12-02T01:00:10Z',
            eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
            activityTaskScheduledEventAttributes: {
              activityId: 'stage/train',
              activityType: { name: 'elo-pretrain' },
            },
          },
          {
            eventId: '6',
            eventTime: '2026-12-02T01:00:40Z',
            eventType: 'EVENT_TYPE_ACTIVITY_TASK_STARTED',
            activityTaskStartedEventAttributes: {
              scheduledEventId: '5',
              attempt: 2,
              identity: '52@gpu-3',
              lastFailure: {
                message: 'activity Heartbeat timeout',
                timeoutFailureInfo: { lastHeartbeatDetails: { payloads: [lastBeat] } },
              },
            },
          },
        ],
      }),
    );
    const t = historyToTimeline(history);
    const retried = t.entries.find((e) => e.kind === 'retried');
    assert.match(retried?.detail ?? '', /last: activity Heartbeat timeout \[on 41@gpu-2\]$/);
    assert.equal(t.entries.find((e) => e.kind === 'started')?.detail, 'on 52@gpu-3');
  });

  it('shows retries with the last failure, a non-retryable failure, and what never ran', async () => {
    const t = await timelineOf('retry-then-nonretryable-failure');
    assert.equal(t.status, 'failed');
    assert.deepEqual(outcomes(t), ['bad:failed:1', 'fine:completed:1', 'flaky:completed:2']);
    const retried = t.entries.find((e) => e.node === 'flaky' && e.kind === 'retried');
    assert.match(retried?.detail ?? '', /1 earlier attempt\(s\) failed; last: .*attempt 1 of 2/);
    const failed = t.entries.find((e) => e.node === 'bad' && e.kind === 'failed');
    assert.match(failed?.detail ?? '', /rejected: recorded failure/);
  });

  it('shows cache hits and cancellations', async () => {
    const cached = await timelineOf('diamond-cached');
    assert.deepEqual(outcomes(cached), ['join:cached:0', 'left:cached:0', 'right:cached:0']);
    const cancelled = await timelineOf('training-cancelled');
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(
      cancelled.entries.map((e) => e.kind),
      ['scheduled', 'cancel-requested', 'started', 'cancelled'],
    );
    assert.deepEqual(outcomes(cancelled), ['train:cancelled:1']);
  });
});
