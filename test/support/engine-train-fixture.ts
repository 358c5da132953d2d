// A tiny engine-train run for tests that need real training on a real worker: a 3-layer model,
// one token shard, committed to the test's store, and the DAG that trains it.
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../engine/backend.js';
import { saveModelFolder } from '../../engine/io/hf-folder.js';
import { tinyConfig } from '../../engine/model/config.js';
import { LlamaModel } from '../../engine/model/llama-model.js';
import { TokenShardWriter } from '../../formats/index.js';
import type { DagSpec } from '../../pipeline/dag.js';
import type { ArtifactRef } from '../../storage/artifact-ref.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';

/** Short repeating documents ending in EOS (id 1), as the engine's own training tests use. */
function toyTokens(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = i % 9 === 8 ? 1 : 2 + ((i * 3) % 9) + (Math.floor(i / 9) % 3);
  return out;
}

/** Commits the base model and its token shard to `store`. */
export async function engineTrainInputs(
  store: ArtifactStore,
): Promise<{ base: ArtifactRef; data: ArtifactRef }> {
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
  return { base, data };
}

/** use-artifact → engine-train: `steps` full-model steps, a checkpoint every `every`. */
export function engineTrainDag(
  name: string,
  inputs: { base: ArtifactRef; data: ArtifactRef },
  steps: number,
  every: number,
): DagSpec {
  return {
    name,
    nodes: [
      { id: 'base', stage: 'use-artifact', params: { uri: inputs.base.uri } },
      { id: 'data', stage: 'use-artifact', params: { uri: inputs.data.uri } },
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
            totalSteps: steps,
            gradAccumSteps: 2,
            schedule: { peakLr: 1e-2, minLr: 1e-3, warmupSteps: 2, totalSteps: steps },
            adamw: { weightDecay: 0.01 },
            checkpointEvery: every,
          },
        },
      },
    ],
  };
}
