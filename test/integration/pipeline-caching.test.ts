import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DagSpec } from '../../pipeline/dag.js';
import { PipelineHarness, readText, runFailure } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

function diamond(rightText: string, broken = false): DagSpec {
  return {
    name: 'cached-diamond',
    nodes: [
      { id: 'left', stage: 'toy-write-text', params: { text: 'left' } },
      broken
        ? { id: 'right', stage: 'toy-reject', params: { reason: 'not yet' } }
        : { id: 'right', stage: 'toy-write-text', params: { text: rightText } },
      {
        id: 'join',
        stage: 'toy-concat',
        params: { separator: '|' },
        needs: { a: 'left', b: 'right' },
      },
    ],
  };
}

describe('pipeline caching (real Temporal server, real S3 store)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    await h.close();
  });

  it('re-submitting redoes only what changed or failed', async () => {
    const { uri, store } = h.s3Store();
    const queues = h.queues('cache');
    const runName = uniqueName('cached');
    const run = async (dag: DagSpec, name = runName) => {
      const handle = await h.start({ runName: name, storeUri: uri, taskQueues: queues, dag });
      return handle.result();
    };
    const states = (r: Awaited<ReturnType<typeof run>>) =>
      r.nodes.map((n) => `${n.id}:${n.state}:${n.attempts}`).join(' ');

    await h.withWorkers(queues, async () => {
      // A failed run: left succeeds, right fails, join is skipped.
      const failed = await runFailure(
        await h.start({ runName, storeUri: uri, taskQueues: queues, dag: diamond('', true) }),
      );
      assert.match(String(failed.cause?.message), /node right \(toy-reject\) failed/);

      // Re-submitted under the same workflow id with right fixed: left comes from the cache.
      const fixed = await run(diamond('right'));
      assert.equal(states(fixed), 'left:cached:0 right:succeeded:1 join:succeeded:1');
      const join = fixed.nodes[2]!.outputs['text']!;
      assert.equal(await readText(store, join.uri), 'left|right');

      // Unchanged, under the same id once more: nothing runs, the same artifacts come back.
      const again = await run(diamond('right'));
      assert.equal(states(again), 'left:cached:0 right:cached:0 join:cached:0');
      assert.deepEqual(again.nodes[2]!.outputs, fixed.nodes[2]!.outputs);
      assert.ok(
        again.nodes.every((n) => n.cacheKey === fixed.nodes.find((f) => f.id === n.id)?.cacheKey),
      );

      // A new run with one param changed: only that node and what depends on it run.
      const changed = await run(diamond('RIGHT'), uniqueName('cached-changed'));
      assert.equal(states(changed), 'left:cached:0 right:succeeded:1 join:succeeded:1');
      assert.equal(await readText(store, changed.nodes[2]!.outputs['text']!.uri), 'left|RIGHT');
      assert.notEqual(changed.nodes[1]!.cacheKey, fixed.nodes[1]!.cacheKey);

      // An output deleted from the store invalidates the entries that point at it. Its re-run
      // writes the same bytes, so the content digest is the same and join stays cached.
      await store.delete(store.keyOf(changed.nodes[1]!.outputs['text']!.uri));
      const healed = await run(diamond('RIGHT'), uniqueName('cached-healed'));
      assert.equal(states(healed), 'left:cached:0 right:succeeded:1 join:cached:0');
      assert.equal(
        healed.nodes[1]!.outputs['text']!.sha256,
        changed.nodes[1]!.outputs['text']!.sha256,
      );

      // useCache: false runs everything.
      const fresh = await h.start({
        runName: uniqueName('cached-fresh'),
        storeUri: uri,
        taskQueues: queues,
        dag: diamond('right'),
        useCache: false,
      });
      assert.equal(
        states(await fresh.result()),
        'left:succeeded:1 right:succeeded:1 join:succeeded:1',
      );
    });
  });
});
