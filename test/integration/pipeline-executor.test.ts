import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DagValidationError } from '../../pipeline/dag.js';
import { nodesQuery, runManifestKey, type RunManifest } from '../../pipeline/run-state.js';
import { PipelineHarness, readText, runFailure } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

describe('pipeline executor (real Temporal server)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    await h.close();
  });

  it('runs independent branches in parallel and passes output refs along', async () => {
    const { uri, store } = await h.fileStore();
    const queues = h.queues('parallel');
    const runName = uniqueName('diamond');
    const result = await h.withWorkers(queues, async () => {
      const handle = await h.start({
        runName,
        storeUri: uri,
        taskQueues: queues,
        dag: {
          name: 'diamond',
          nodes: [
            { id: 'left', stage: 'toy-write-text', params: { text: 'left', delayMs: 1500 } },
            { id: 'right', stage: 'toy-write-text', params: { text: 'right', delayMs: 1500 } },
            {
              id: 'join',
              stage: 'toy-concat',
              params: { separator: '+' },
              needs: { a: 'left', b: 'right' },
            },
          ],
        },
      });
      return handle.result();
    });
    assert.equal(result.status, 'succeeded');
    const [left, right, join] = result.nodes;
    assert.ok(left && right && join);
    assert.deepEqual(
      result.nodes.map((n) => [n.id, n.state, n.attempts]),
      [
        ['left', 'succeeded', 1],
        ['right', 'succeeded', 1],
        ['join', 'succeeded', 1],
      ],
    );
    // Overlap: each branch started before the other ended (each takes >= 1.5 s).
    assert.ok(
      left.startedAt! < right.endedAt! && right.startedAt! < left.endedAt!,
      JSON.stringify(result.nodes),
    );
    assert.ok(join.startedAt! >= Math.max(left.endedAt!, right.endedAt!));
    // The history agrees: both stage activities were scheduled before either completed.
    const history = await h.client.workflow.getHandle(runName).fetchHistory();
    const events = history.events ?? [];
    const scheduled = events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityId?.startsWith('stage/'))
      .map((e) => Number(e.eventId));
    const firstStageCompleted = events.find(
      (e) =>
        e.activityTaskCompletedEventAttributes &&
        scheduled.includes(Number(e.activityTaskCompletedEventAttributes.scheduledEventId)),
    );
    assert.ok(scheduled.length === 3 && scheduled[1]! < Number(firstStageCompleted?.eventId));
    assert.equal(await readText(store, join.outputs['text']!.uri), 'left+right');
    assert.equal(join.metrics['chars'], 'left+right'.length);

    const manifest = JSON.parse(
      (await store.readDocument(runManifestKey(runName)))!.toString('utf8'),
    ) as RunManifest;
    assert.equal(manifest.status, 'succeeded');
    assert.equal(manifest.workflowId, runName);
    assert.match(manifest.audit.codeVersion ?? '', /^([0-9a-f]{40}(-dirty)?|.+)$/);
    assert.deepEqual(
      manifest.nodes.map((n) => n.state),
      ['succeeded', 'succeeded', 'succeeded'],
    );
    assert.equal(manifest.nodes[2]?.outputs['text']?.sha256, join.outputs['text']?.sha256);
  });

  it('runs at most maxParallel nodes at once', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('bounded');
    const result = await h.withWorkers(queues, async () => {
      const handle = await h.start({
        runName: uniqueName('bounded'),
        storeUri: uri,
        taskQueues: queues,
        maxParallel: 2,
        dag: {
          name: 'fan',
          nodes: ['a', 'b', 'c', 'd'].map((id) => ({
            id,
            stage: 'toy-write-text',
            params: { text: id, delayMs: 400 },
          })),
        },
      });
      return handle.result();
    });
    // At no node's start were two others already running.
    for (const n of result.nodes) {
      const running = result.nodes.filter(
        (o) => o !== n && o.startedAt! <= n.startedAt! && o.endedAt! > n.startedAt!,
      );
      assert.ok(running.length <= 1, `${n.id} started while ${running.map((o) => o.id)} ran`);
    }
    const sorted = result.nodes.map((n) => n.startedAt!).sort((a, b) => a - b);
    assert.ok(sorted[2]! - sorted[0]! >= 400, 'the third node waited for a free slot');
  });

  it('retries a failing node and records the attempt that succeeded', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('retry');
    const result = await h.withWorkers(queues, async () => {
      const handle = await h.start({
        runName: uniqueName('flaky'),
        storeUri: uri,
        taskQueues: queues,
        dag: {
          name: 'flaky',
          nodes: [{ id: 'f', stage: 'toy-flaky', params: { failures: 2, text: 'ok' } }],
        },
      });
      const done = await handle.result();
      const view = await handle.query(nodesQuery);
      assert.deepEqual(view.nodes, done.nodes);
      return done;
    });
    const node = result.nodes[0];
    assert.equal(node?.state, 'succeeded');
    assert.equal(node?.attempts, 3);
    assert.equal(node?.metrics['attempt'], 3);
  });

  it('fails fast on a non-retryable error, skips its dependents and finishes the rest', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('reject');
    const runName = uniqueName('reject');
    const { failure, view } = await h.withWorkers(queues, async () => {
      const handle = await h.start({
        runName,
        storeUri: uri,
        taskQueues: queues,
        dag: {
          name: 'rejecting',
          nodes: [
            { id: 'bad', stage: 'toy-reject', params: { reason: 'license missing' } },
            { id: 'after', stage: 'toy-concat', needs: { a: 'bad' } },
            { id: 'later', stage: 'toy-concat', needs: { a: 'after' } },
            { id: 'fine', stage: 'toy-write-text', params: { text: 'independent', delayMs: 300 } },
          ],
        },
      });
      const failed = await runFailure(handle);
      return { failure: failed, view: await handle.query(nodesQuery) };
    });
    const cause = failure.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'PipelineFailed');
    assert.match(
      cause.message,
      /node bad \(toy-reject\) failed after 1 attempt\(s\): ToyRejectedError: toy-reject: rejected: license missing/,
    );
    assert.match(cause.message, /skipped: after, later/);
    assert.deepEqual(
      view.nodes.map((n) => [n.id, n.state]),
      [
        ['bad', 'failed'],
        ['fine', 'succeeded'],
        ['after', 'skipped'],
        ['later', 'skipped'],
      ].sort(
        (a, b) =>
          ['bad', 'after', 'later', 'fine'].indexOf(a[0]!) -
          ['bad', 'after', 'later', 'fine'].indexOf(b[0]!),
      ),
    );
    assert.equal(view.status, 'failed');
  });

  it('refuses an invalid DAG before starting, and the workflow refuses it too', async () => {
    const { uri } = await h.fileStore();
    const queues = h.queues('invalid');
    const dag = {
      name: 'invalid',
      nodes: [
        { id: 'a', stage: 'toy-write-text', params: { text: 3 } },
        { id: 'b', stage: 'nope' },
      ],
    };
    const runName = uniqueName('invalid');
    await assert.rejects(h.start({ runName, storeUri: uri, taskQueues: queues, dag }), (err) => {
      assert.ok(err instanceof DagValidationError);
      assert.equal(err.problems.length, 2);
      return true;
    });
    await assert.rejects(h.client.workflow.getHandle(runName).describe(), /not found/i);

    // Started behind the validator's back, the workflow itself rejects what it can check
    // without schemas (its bundle carries no zod): the unknown stage, before running anything.
    // Bad params are refused by the first activity that parses them, naming the field.
    const { failure, paramsFailure, view } = await h.withWorkers(queues, async () => {
      const start = (workflowId: string, spec: typeof dag) =>
        h.client.workflow.start('runPipeline', {
          workflowId,
          taskQueue: queues.cpu,
          args: [{ dag: spec, storeUri: uri, taskQueues: queues }],
        });
      const failed = await runFailure(await start(runName, dag));
      const paramsRun = await start(`${runName}-params`, { ...dag, nodes: [dag.nodes[0]!] });
      return {
        failure: failed,
        paramsFailure: await runFailure(paramsRun),
        view: await paramsRun.query(nodesQuery),
      };
    });
    assert.ok(failure.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.type, 'DagValidationError');
    assert.match(failure.cause.message, /unknown stage "nope"/);
    assert.ok(paramsFailure.cause instanceof ApplicationFailure);
    assert.equal(paramsFailure.cause.type, 'PipelineFailed');
    assert.equal(view.nodes[0]?.state, 'failed');
    assert.match(
      view.nodes[0]?.error ?? '',
      /^InvalidStageInput: toy-write-text: params invalid: text:/,
    );
  });
});
