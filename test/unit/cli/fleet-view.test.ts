import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workersJson, workersText } from '../../../cli/fleet-view.js';
import { otherRunsLines } from '../../../cli/other-runs.js';
import type { FleetSnapshot } from '../../../client/fleet.js';

const NOW = new Date('2026-12-02T01:00:00Z');
const at = (secondsAgo: number) => new Date(NOW.getTime() - secondsAgo * 1000);

// A gpu worker training an old run's stage while the demo's stage waits behind it.
const fleet: FleetSnapshot = {
  at: NOW,
  namespace: 'default',
  queues: [
    {
      kind: 'cpu',
      name: 'elo-cpu',
      pollers: [{ identity: '7@box', lastAccess: at(3), types: ['workflow', 'activity'] }],
      backlog: 0,
    },
    { kind: 'gpu', name: 'elo-gpu', pollers: [], backlog: 1 },
  ],
  workers: [
    {
      identity: '7@box',
      taskQueue: 'elo-gpu',
      host: 'box',
      status: 'running',
      heartbeatAt: at(10),
      activitySlots: { used: 1, available: 0 },
      hostMemoryUsed: 0.42,
    },
  ],
  openRuns: [
    {
      run: 'elo-demo',
      workflowId: 'elo-demo',
      pipeline: 'elo',
      taskQueue: 'elo-cpu',
      startedAt: at(60),
    },
    { run: 'elsewhere', workflowId: 'elsewhere', taskQueue: 'team-b-cpu', startedAt: at(60) },
    {
      run: 'elo-l3b',
      workflowId: 'elo-l3b',
      pipeline: 'elo',
      taskQueue: 'elo-cpu',
      startedAt: at(3600),
    },
  ],
  stages: [
    {
      run: 'elo-l3b',
      nodeId: 'elo-pretrain',
      stage: 'elo-pretrain',
      taskQueue: 'elo-gpu',
      state: 'started',
      attempt: 1,
      maximumAttempts: 5,
      worker: '7@box',
      startedAt: at(900),
      lastHeartbeat: at(4),
      progress: { step: 1, totalSteps: 3 },
      workerMemory: { budgetBytes: 24 * 2 ** 30, inUseBytes: 6 * 2 ** 30 },
    },
    {
      run: 'elo-demo',
      nodeId: 'elo-pretrain',
      stage: 'elo-pretrain',
      taskQueue: 'elo-gpu',
      state: 'scheduled',
      attempt: 1,
      maximumAttempts: 5,
      scheduledAt: at(30),
    },
  ],
};

describe('elo workers (fleet view) and the demo’s other-runs notice', () => {
  it('per queue: workers with slots and what they execute, queued stages with their reason', () => {
    const j = workersJson(fleet);
    const gpu = j.queues.find((q) => q.kind === 'gpu')!;
    assert.equal(gpu.workers.length, 1);
    const w = gpu.workers[0]!;
    assert.deepEqual(
      { identity: w.identity, host: w.host, slots: w.slots, polls: w.polls, memory: w.memory },
      {
        identity: '7@box',
        host: 'box',
        slots: { used: 1, available: 0 },
        polls: [],
        memory: { budgetBytes: 24 * 2 ** 30, inUseBytes: 6 * 2 ** 30 },
      },
    );
    assert.deepEqual(
      w.executing.map((s) => [s.run, s.node, s.attempt, s.step, s.totalSteps, s.since]),
      [['elo-l3b', 'elo-pretrain', 1, 1, 3, at(900).toISOString()]],
    );
    assert.equal(gpu.queued.length, 1);
    assert.equal(gpu.queued[0]!.reason.kind, 'slots-busy');
    const cpu = j.queues.find((q) => q.kind === 'cpu')!;
    assert.deepEqual(cpu.workers[0]!.polls, ['workflow', 'activity']);

    const text = workersText(j).join('\n');
    assert.match(text, /elo-gpu \(gpu\): 1 worker\(s\), backlog 1/);
    assert.match(
      text,
      /7@box +not polling {2}slots 1\/1 in use {2}heartbeat 10s ago {2}memory 6\.0\/24\.0 GB {2}host memory 42%/,
    );
    assert.match(text, /running elo-l3b\/elo-pretrain \(elo-pretrain\) {2}attempt 1 {2}step 1\/3/);
    assert.match(
      text,
      /queued elo-demo\/elo-pretrain \(elo-pretrain\) since \d\d:\d\d: gpu slot busy/,
    );
    assert.match(text, /open runs \(3\):/);
  });

  it('an empty queue says nobody polls it', () => {
    const j = workersJson({ ...fleet, workers: [], stages: [] });
    assert.match(
      workersText(j).join('\n'),
      /elo-gpu \(gpu\): 0 worker\(s\), backlog 1\n {2}no worker polls elo-gpu/,
    );
  });

  it('the demo names the other open runs of its queues, what they run, and how to cancel them', () => {
    const lines = otherRunsLines(fleet, 'elo-demo', 'elo-cpu', '127.0.0.1:7233');
    assert.match(lines[0]!, /^1 other run\(s\) still open/);
    assert.match(
      lines[1]!,
      /^ {2}elo-l3b +elo +since 2026-12-02 00:00 UTC {2}running elo-l3b\/elo-pretrain step 1\/3/,
    );
    assert.match(lines[2]!, /TEMPORAL_ADDRESS=127\.0\.0\.1:7233 npx elo cancel elo-l3b$/);
    assert.deepEqual(
      otherRunsLines(
        { ...fleet, openRuns: fleet.openRuns.slice(0, 2) },
        'elo-demo',
        'elo-cpu',
        undefined,
      ),
      [],
    );
  });
});
