import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { saveModelFolder } from '../../engine/io/hf-folder.js';
import { tinyConfig } from '../../engine/model/config.js';
import { LlamaModel } from '../../engine/model/llama-model.js';
import { TokenShardWriter } from '../../formats/index.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../pipeline/describe-run.js';
import { historyToTimeline } from '../../pipeline/timeline.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { startGpuWorker } from '../support/gpu-worker.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

const EVERY = 10;
const STEPS = 120;
/** The first worker dies here, half an interval after the checkpoint at step 20. */
const KILL_AT = 25;

/** Short repeating documents ending in EOS (id 1), as the engine's own training tests use. */
function toyTokens(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = i % 9 === 8 ? 1 : 2 + ((i * 3) % 9) + (Math.floor(i / 9) % 3);
  return out;
}

function dag(modelUri: string, shardsUri: string): DagSpec {
  return {
    name: 'engine-resume',
    nodes: [
      { id: 'base', stage: 'use-artifact', params: { uri: modelUri } },
      { id: 'data', stage: 'use-artifact', params: { uri: shardsUri } },
      {
        id: 'train',
        stage: 'engine-train',
        needs: { model: 'base.artifact', shards: 'data.artifact' },
        // Heartbeats come every step; a dead worker is noticed after 5 s instead of 30.
        options: { heartbeatTimeout: '5s' },
        params: {
          backend: 'tensorflow',
          data: { eosTokenId: 1, seqLen: 16, batchSize: 2 },
          selection: { mode: 'full' },
          train: {
            seed: 7,
            totalSteps: STEPS,
            gradAccumSteps: 2,
            schedule: { peakLr: 1e-2, minLr: 1e-3, warmupSteps: 2, totalSteps: STEPS },
            adamw: { weightDecay: 0.01 },
            checkpointEvery: EVERY,
          },
        },
      },
    ],
  };
}

const modelBytes = (store: ArtifactStore, uri: string) =>
  store.readFile(store.keyOf(uri), 'model.safetensors');

describe('kill and resume with the engine (real worker processes, real Temporal server)', () => {
  let h: PipelineHarness;
  const children: ChildProcess[] = [];
  before(async () => {
    h = await PipelineHarness.open();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('a SIGKILLed worker mid engine-train: the run resumes from the last checkpoint and ends with the uninterrupted weights', async () => {
    const { uri, store } = await h.fileStore();
    const dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? '/tmp', 'engine-'));
    await initBackend({ backend: 'tensorflow' });
    const model = LlamaModel.init(tinyConfig({ vocabSize: 16, numHiddenLayers: 3 }), 1, {
      initializerRange: 0.1,
    });
    await saveModelFolder(model, path.join(dir, 'base'));
    model.dispose();
    await mkdir(path.join(dir, 'data'));
    const w = await TokenShardWriter.create(path.join(dir, 'data', 'train.bin'), {
      vocabSize: 16,
      tokenizerHash: 'b'.repeat(64),
    });
    const tokens = toyTokens(700);
    for (let i = 0; i < 700; i += 9) await w.appendDocument(tokens.subarray(i, i + 9), 'ko');
    await w.close();
    const base = await store.commitFolder('inputs/base', path.join(dir, 'base'), {
      producer: 'test',
    });
    const data = await store.commitFolder('inputs/data', path.join(dir, 'data'), {
      producer: 'test',
    });

    const queues = h.queues('engine');
    const runName = uniqueName('engine-killed');
    await h.withWorkers(
      queues,
      async () => {
        // The SIGKILL comes at an exact step (engine/train/failpoints.ts), not after a guessed
        // delay: how fast 120 tiny steps run depends on the machine.
        const first = await startGpuWorker(queues, {
          ELO_FAILPOINTS: `train.step=${KILL_AT}:kill`,
        });
        children.push(first);
        const handle = await h.start({
          runName,
          storeUri: uri,
          taskQueues: queues,
          dag: dag(base.uri, data.uri),
        });
        const [, signal] = (await once(first, 'exit')) as [number | null, NodeJS.Signals | null];
        assert.equal(signal, 'SIGKILL');
        const killed = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'train');
        assert.equal(killed?.state, 'running', 'the run goes on without a worker');

        const second = await startGpuWorker(queues);
        children.push(second);
        const result = await handle.result();
        const train = result.nodes.find((n) => n.id === 'train');
        assert.equal(train?.state, 'succeeded');
        assert.equal(train?.attempts, 2);
        // At most one interval lost: the checkpoint at step 20 is the newest before the kill.
        assert.equal(train?.metrics['resumedFromStep'], KILL_AT - (KILL_AT % EVERY));
        assert.equal(train?.metrics['steps'], STEPS);
        // The history tells the same story: one attempt timed out (no heartbeats), the next won.
        const timeline = historyToTimeline(await handle.fetchHistory());
        const retried = timeline.entries.find((e) => e.node === 'train' && e.kind === 'retried');
        assert.equal(retried?.attempt, 2);
        assert.match(retried?.detail ?? '', /heartbeat/i);

        const clean = await h.start({
          runName: uniqueName('engine-reference'),
          storeUri: uri,
          taskQueues: queues,
          dag: dag(base.uri, data.uri),
          useCache: false,
        });
        const reference = (await clean.result()).nodes.find((n) => n.id === 'train');
        second.kill('SIGTERM');
        await once(second, 'exit');
        assert.equal(reference?.metrics['resumedFromStep'], 0);
        const a = await modelBytes(store, train!.outputs['model']!.uri);
        const b = await modelBytes(store, reference!.outputs['model']!.uri);
        assert.ok(a.equals(b), 'resumed weights differ from the uninterrupted run');
        assert.equal(train?.metrics['loss'], reference?.metrics['loss']);
      },
      { role: 'cpu' },
    );
  });
});
