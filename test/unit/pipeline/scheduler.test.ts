import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDag, type DagSpec } from '../../../pipeline/dag.js';
import { RunScheduler } from '../../../pipeline/scheduler.js';
import type { StageInfo } from '../../../pipeline/stage-info.js';
import { StageRegistry } from '../../../pipeline/stage-registry.js';
import type { ArtifactRef } from '../../../storage/artifact-ref.js';

// The executor's decisions without Temporal: a clock that only moves when told.
const stages = new StageRegistry<StageInfo>([
  {
    name: 'source',
    version: '1',
    queue: 'cpu',
    inputs: {},
    outputs: { out: 'required' },
    timeouts: { startToClose: '1 minute' },
  },
  {
    name: 'join',
    version: '2',
    queue: 'gpu',
    inputs: { a: 'required', b: 'optional' },
    outputs: { out: 'required' },
    timeouts: { startToClose: '1 minute' },
  },
]);

function schedulerFor(spec: DagSpec, maxParallel = 4) {
  let clock = 1000;
  const scheduler = new RunScheduler(resolveDag(spec, stages), stages, maxParallel, () => clock);
  return { scheduler, tick: () => (clock += 10) };
}

const ref = (uri: string): ArtifactRef => ({ uri, sha256: 'a'.repeat(64), bytes: 1, meta: {} });
const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);
const states = (s: RunScheduler) => Object.fromEntries(s.nodes().map((n) => [n.id, n.state]));

const diamond: DagSpec = {
  name: 'diamond',
  nodes: [
    { id: 'join', stage: 'join', needs: { a: 'left', b: 'right' } },
    { id: 'left', stage: 'source' },
    { id: 'right', stage: 'source' },
  ],
};

describe('RunScheduler', () => {
  it('starts nodes whose inputs are ready, in DAG order, and the join once both are done', () => {
    const { scheduler, tick } = schedulerFor(diamond);
    assert.deepEqual(ids(scheduler.startNext()), ['left', 'right']);
    assert.deepEqual(states(scheduler), { left: 'running', right: 'running', join: 'pending' });
    assert.equal(scheduler.row('left').startedAt, 1000);
    tick();
    scheduler.succeeded('left', { outputs: { out: ref('l') }, metrics: { loss: 1 }, attempt: 2 });
    scheduler.finished('left');
    assert.deepEqual(ids(scheduler.startNext()), [], 'join still waits for right');
    scheduler.cached('right', { outputs: { out: ref('r') }, metrics: {} });
    scheduler.finished('right');
    const [join] = scheduler.startNext();
    assert.equal(join?.id, 'join');
    assert.deepEqual(scheduler.inputsOf(join!), { a: ref('l'), b: ref('r') });
    assert.deepEqual(
      { attempts: scheduler.row('left').attempts, endedAt: scheduler.row('left').endedAt },
      { attempts: 2, endedAt: 1010 },
    );
    assert.equal(scheduler.row('join').queue, 'gpu');
    assert.equal(scheduler.row('join').stageVersion, '2');
  });

  it('never runs more than maxParallel nodes at once', () => {
    const { scheduler } = schedulerFor(
      {
        name: 'wide',
        nodes: ['a', 'b', 'c'].map((id) => ({ id, stage: 'source' })),
      },
      2,
    );
    assert.deepEqual(ids(scheduler.startNext()), ['a', 'b']);
    assert.deepEqual(ids(scheduler.startNext()), [], 'both slots taken');
    scheduler.succeeded('b', { outputs: { out: ref('b') }, metrics: {}, attempt: 1 });
    scheduler.finished('b');
    assert.deepEqual(ids(scheduler.startNext()), ['c']);
    assert.equal(scheduler.idle, false);
  });

  it('skips everything below a failed node, naming the node, and the run fails', () => {
    const { scheduler } = schedulerFor({
      name: 'chain',
      nodes: [
        { id: 'first', stage: 'source' },
        { id: 'second', stage: 'join', needs: { a: 'first' } },
        { id: 'third', stage: 'join', needs: { a: 'second' } },
        { id: 'other', stage: 'source' },
      ],
    });
    assert.deepEqual(ids(scheduler.startNext()), ['first', 'other']);
    scheduler.failed('first', 'Boom: no', 3);
    scheduler.finished('first');
    assert.deepEqual(ids(scheduler.startNext()), []);
    assert.deepEqual(states(scheduler), {
      first: 'failed',
      second: 'skipped',
      third: 'skipped',
      other: 'running',
    });
    assert.equal(scheduler.row('third').error, 'upstream node second skipped');
    scheduler.succeeded('other', { outputs: { out: ref('o') }, metrics: {}, attempt: 1 });
    scheduler.finished('other');
    assert.equal(scheduler.idle, true);
    const outcome = scheduler.outcome();
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(ids(outcome.failed), ['first']);
    assert.deepEqual(outcome.skipped, ['second', 'third']);
  });

  it('on cancellation records every unfinished node cancelled, keeping finished ones', () => {
    const { scheduler } = schedulerFor(diamond);
    scheduler.startNext();
    scheduler.succeeded('left', { outputs: { out: ref('l') }, metrics: {}, attempt: 1 });
    scheduler.cancelled('right');
    scheduler.finished('left');
    scheduler.finished('right');
    scheduler.cancelUnfinished();
    assert.deepEqual(states(scheduler), {
      left: 'succeeded',
      right: 'cancelled',
      join: 'cancelled',
    });
  });

  it('a DAG whose nodes all succeed or come from the cache succeeds', () => {
    const { scheduler } = schedulerFor(diamond);
    for (const id of ['left', 'right']) {
      assert.ok(ids(scheduler.startNext()).includes(id) || scheduler.row(id).state === 'running');
    }
    scheduler.keyed('left', 'k1');
    scheduler.cached('left', { outputs: { out: ref('l') }, metrics: {} });
    scheduler.succeeded('right', { outputs: { out: ref('r') }, metrics: {}, attempt: 1 });
    scheduler.finished('left');
    scheduler.finished('right');
    scheduler.startNext();
    scheduler.succeeded('join', { outputs: { out: ref('j') }, metrics: {}, attempt: 1 });
    scheduler.finished('join');
    assert.deepEqual(scheduler.outcome(), { status: 'succeeded', failed: [], skipped: [] });
    assert.equal(scheduler.row('left').cacheKey, 'k1');
  });
});

describe('resolveDag (the workflow side, no zod)', () => {
  it('reports shape and wiring problems of a DAG nobody validated, all at once', () => {
    assert.throws(
      () =>
        resolveDag(
          {
            name: 'bad',
            nodes: [
              { id: 'a', stage: 'nope' },
              { id: 'b', stage: 'join', needs: { c: 'a' } },
            ],
          },
          stages,
        ),
      (err: Error & { problems?: string[] }) => {
        assert.deepEqual(err.problems, [
          'node "a": unknown stage "nope" (known: join, source)',
          'node "b": input "a" of stage join is not wired in needs',
          'node "b": needs "c", which stage join has no input of (inputs: a, b)',
        ]);
        return true;
      },
    );
    assert.throws(
      () => resolveDag({ name: 'x', nodes: [] }, stages),
      /nodes: expected a non-empty/,
    );
  });

  it('passes params through as written (the activities parse them)', () => {
    const dag = resolveDag(
      {
        name: 'p',
        nodes: [
          { id: 'a', stage: 'source', params: { n: 1 } },
          { id: 'b', stage: 'source' },
        ],
      },
      stages,
    );
    assert.deepEqual(
      dag.nodes.map((n) => n.params),
      [{ n: 1 }, {}],
    );
  });
});
