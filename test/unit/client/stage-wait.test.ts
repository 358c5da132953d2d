import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FleetSnapshot, FleetWorker, RunStage } from '../../../client/fleet.js';
import { clockTime, explainQueued, explainStarted } from '../../../client/stage-wait.js';

const NOW = new Date('2026-12-02T01:00:00Z');
const at = (secondsAgo: number) => new Date(NOW.getTime() - secondsAgo * 1000);

const stage = (over: Partial<RunStage>): RunStage => ({
  run: 'elo-demo',
  nodeId: 'elo-pretrain',
  stage: 'elo-pretrain',
  taskQueue: 'elo-gpu',
  state: 'scheduled',
  attempt: 1,
  maximumAttempts: 5,
  ...over,
});

const fleet = (over: Partial<FleetSnapshot>): FleetSnapshot => ({
  at: NOW,
  namespace: 'default',
  queues: [
    { kind: 'cpu', name: 'elo-cpu', pollers: [] },
    { kind: 'gpu', name: 'elo-gpu', pollers: [] },
  ],
  workers: [],
  openRuns: [],
  stages: [],
  ...over,
});

const gpuWorker = (over: Partial<FleetWorker>): FleetWorker => ({
  identity: '7@box',
  taskQueue: 'elo-gpu',
  status: 'running',
  heartbeatAt: at(20),
  activitySlots: { used: 1, available: 0 },
  ...over,
});

describe('why a stage waits (stage-wait)', () => {
  it('queued behind a busy gpu slot names the run, node, step and start time', () => {
    const holder = stage({
      run: 'elo-l3b',
      state: 'started',
      worker: '7@box',
      startedAt: at(600),
      progress: { step: 1, totalSteps: 3 },
    });
    const f = fleet({ stages: [holder, stage({})], workers: [gpuWorker({})] });
    const r = explainQueued(stage({}), 'elo-gpu', 'gpu', f, NOW);
    assert.equal(r.kind, 'slots-busy');
    assert.equal(
      r.text,
      `gpu slot busy: elo-l3b/elo-pretrain step 1/3 since ${clockTime(at(600))}`,
    );
  });

  it('without worker heartbeats, a busy stage and no live poller still mean the slot is busy', () => {
    const holder = stage({ run: 'old', state: 'started', startedAt: at(60) });
    const r = explainQueued(
      stage({}),
      'elo-gpu',
      'gpu',
      fleet({ workers: null, stages: [holder] }),
      NOW,
    );
    assert.equal(r.kind, 'slots-busy');
    assert.match(r.text, /^gpu slot busy: old\/elo-pretrain since /);
  });

  it('nothing polls the queue: says so, with the last poller seen and the command to start one', () => {
    const never = explainQueued(stage({}), 'elo-gpu', 'gpu', fleet({}), NOW);
    assert.equal(never.kind, 'no-worker');
    assert.equal(never.text, 'no worker polls elo-gpu: start one (elo worker --queues gpu)');
    const gone = fleet({
      queues: [
        {
          kind: 'gpu',
          name: 'elo-gpu',
          pollers: [{ identity: '7@box', lastAccess: at(300), types: ['activity'] }],
        },
      ],
    });
    const r = explainQueued(stage({}), 'elo-gpu', 'gpu', gone, NOW);
    assert.equal(r.kind, 'no-worker');
    assert.match(r.text, /^no worker polls elo-gpu; last poll 5m ago by 7@box/);
  });

  it('a live poller with a free slot: the task is being dispatched', () => {
    const f = fleet({
      workers: null,
      queues: [
        {
          kind: 'gpu',
          name: 'elo-gpu',
          pollers: [{ identity: '7@box', lastAccess: at(10), types: ['activity'] }],
        },
      ],
    });
    const r = explainQueued(stage({}), 'elo-gpu', 'gpu', f, NOW);
    assert.deepEqual(r, {
      kind: 'dispatching',
      text: 'waiting for a elo-gpu worker to take it (1 polled in the last minute)',
    });
  });

  it('a retry in its backoff, and a retry after a lost worker, say which attempt and why', () => {
    const backoff = stage({ attempt: 2, nextAttemptAt: new Date(NOW.getTime() + 3000) });
    assert.equal(explainQueued(backoff, 'elo-gpu', 'gpu', fleet({}), NOW).kind, 'retry-backoff');
    const retry = stage({
      attempt: 2,
      worker: '7@box',
      lastFailure: 'activity Heartbeat timeout',
    });
    // The lost worker's last poll is recent, but it is gone: not counted as polling.
    const recent = fleet({
      queues: [
        {
          kind: 'gpu',
          name: 'elo-gpu',
          pollers: [{ identity: '7@box', lastAccess: at(10), types: ['activity'] }],
        },
      ],
    });
    const r = explainQueued(retry, 'elo-gpu', 'gpu', recent, NOW);
    assert.match(
      r.text,
      /^no worker polls elo-gpu; last poll 10s ago by 7@box.*\(attempt 2; attempt 1 on 7@box: its worker stopped heartbeating \(activity Heartbeat timeout\)\)$/,
    );
  });

  it('a started stage whose worker went silent past its heartbeat timeout, and what happens next', () => {
    const silent = stage({
      state: 'started',
      worker: '7@box',
      attempt: 1,
      lastHeartbeat: at(25),
      heartbeatTimeoutMs: 20_000,
    });
    const r = explainStarted(silent, 'elo-gpu', undefined, NOW);
    assert.equal(r?.kind, 'heartbeat-lost');
    assert.equal(
      r?.text,
      '7@box stopped heartbeating 25s ago (timeout 20s): the server retries it (attempt 2 of 5) ' +
        'on the next elo-gpu worker, from its last checkpoint',
    );
    const last = explainStarted({ ...silent, attempt: 5 }, 'elo-gpu', undefined, NOW);
    assert.match(last!.text, /attempt 5 of 5 was the last: the stage fails when it times out$/);
    const fresh = explainStarted({ ...silent, lastHeartbeat: at(5) }, 'elo-gpu', undefined, NOW);
    assert.equal(fresh, undefined);
  });

  it("a started stage whose worker's own heartbeat says it shut down or stopped", () => {
    const s = stage({
      state: 'started',
      worker: '7@box',
      lastHeartbeat: at(1),
      heartbeatTimeoutMs: 60_000,
    });
    const down = fleet({ workers: [gpuWorker({ status: 'shutdown' })] });
    assert.match(
      explainStarted(s, 'elo-gpu', down, NOW)!.text,
      /^7@box is shutdown: the server retries/,
    );
    const stale = fleet({ workers: [gpuWorker({ heartbeatAt: at(400) })] });
    assert.match(
      explainStarted(s, 'elo-gpu', stale, NOW)!.text,
      /^7@box sent its last heartbeat 7m ago/,
    );
    assert.equal(explainStarted(s, 'elo-gpu', fleet({ workers: [gpuWorker({})] }), NOW), undefined);
    // Not listed yet (worker heartbeats come every minute): no conclusion.
    assert.equal(explainStarted(s, 'elo-gpu', fleet({ workers: [] }), NOW), undefined);
  });
});
