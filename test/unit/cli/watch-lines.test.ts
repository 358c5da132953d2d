import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeLine, progressText, runLines, withLastTable } from '../../../cli/watch.js';
import type { NodeProgress } from '../../../client/describe-run.js';
import type { PendingStage } from '../../../client/pending-stage.js';

const live = (over: Partial<PendingStage>): PendingStage => ({
  nodeId: 'elo-pretrain',
  stage: 'train',
  state: 'started',
  attempt: 1,
  maximumAttempts: 0,
  ...over,
});

const node = (over: Partial<NodeProgress>): NodeProgress => ({
  id: 'elo-pretrain',
  stage: 'train',
  stageVersion: '1',
  queue: 'gpu',
  state: 'running',
  attempts: 0,
  outputs: {},
  metrics: {},
  ...over,
});

describe('elo watch lines', () => {
  it('shows a bar, step/total, loss, tokens/s and the ETA from the heartbeat', () => {
    const n = node({
      live: live({
        progress: { step: 20, totalSteps: 60, tokens: 20_480, loss: 7.6219, tokensPerSec: 1024 },
      }),
    });
    // 40 steps left at 1024 tokens per step and 1024 tokens/s: 40 s.
    assert.equal(progressText(n), '[#######-------------] 20/60  loss 7.622  1024 tok/s  ETA 40s');
    assert.match(nodeLine(n), /^ {2}elo-pretrain +train +running +\[#######/);
    const retry = node({ live: live({ attempt: 2, progress: { step: 3 } }) });
    assert.equal(progressText(retry), 'step 3  attempt 2');
  });

  it('a scheduled stage that no worker has picked up is queued, not running', () => {
    const line = nodeLine(
      node({ live: live({ attempt: 2, state: 'scheduled', lastFailure: 'heartbeat timeout' }) }),
    );
    assert.match(line, / queued +waiting for a gpu worker \(last attempt: heartbeat timeout\)$/);
    assert.doesNotMatch(line, /running/);
  });

  it('finished stages show their duration; failed ones their error', () => {
    assert.match(
      nodeLine(node({ state: 'succeeded', startedAt: 1_000, endedAt: 84_000 })),
      /succeeded +1m23s$/,
    );
    assert.match(
      nodeLine(node({ state: 'failed', error: 'NonFiniteLossError: loss NaN' })),
      /loss NaN$/,
    );
  });

  it('without a node table (no cpu worker answers the query) the last one stays, with fresh pending state', () => {
    const last = {
      workflowId: 'r',
      runId: 'x',
      status: 'RUNNING',
      startTime: new Date(0),
      runName: 'r',
      dagName: 'elo',
      nodes: [
        node({ id: 'data', stage: 'prepare-data', state: 'succeeded' }),
        node({ live: live({}) }),
      ],
    };
    const now = {
      ...last,
      dagName: '?',
      nodes: [node({ live: live({ state: 'scheduled', attempt: 2 }) })],
      tableUnavailable: 'no worker answered within 10 s',
    };
    const d = withLastTable(now, last);
    assert.deepEqual(
      d.nodes.map((n) => `${n.id}:${n.state}:${n.live?.state ?? '-'}`),
      ['data:succeeded:-', 'elo-pretrain:running:scheduled'],
    );
    assert.match(runLines(d)[1]!, /node table not current: its query failed, no worker answered/);
    assert.equal(withLastTable(now, undefined), now);
  });
});
