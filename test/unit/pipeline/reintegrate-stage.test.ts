// The reintegrate stage takes embeddings, final norm and head from the ELO model exactly when the
// train stage says it trained them (its output's `nonLayerTrained`), so unfrozen embeddings are
// never dropped and frozen ones never copied.
import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { open, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reintegrateActivity } from '../../../activities/elo/reintegrate.js';
import { initBackend } from '../../../engine/backend.js';
import { detach, EMBED, SafetensorsFile } from '../../../formats/index.js';
import type { StageActivityInput, StageActivityResult } from '../../../pipeline/stage-call.js';
import type { ArtifactRef } from '../../../storage/artifact-ref.js';
import type { ArtifactStore } from '../../../storage/artifact-store.js';
import { openStore } from '../../../storage/open-store.js';
import { tinyBaseModel } from '../../support/elo-fixtures.js';
import { stageInput } from '../../support/stage-input.js';

/** Overwrites the first bytes of a tensor's data in place: a "trained" value. */
async function perturb(file: string, tensor: string): Promise<void> {
  const st = await SafetensorsFile.open(file);
  const at = st.info(tensor).byteOffset;
  await st.close();
  const fh = await open(file, 'r+');
  await fh.write(Buffer.from(new Float32Array([0.125, -0.25, 0.5, -1]).buffer), 0, 16, at);
  await fh.close();
}

async function embedBytes(store: ArtifactStore, ref: ArtifactRef, dir: string): Promise<Buffer> {
  const local = path.join(dir, ref.sha256);
  await store.fetchFolder(store.keyOf(ref.uri), local);
  const st = await SafetensorsFile.open(path.join(local, 'model.safetensors'));
  try {
    return await st.readRaw(EMBED);
  } finally {
    await st.close();
  }
}

describe('reintegrate stage', () => {
  let dir: string;
  let store: ArtifactStore;
  before(async () => {
    await initBackend({ backend: 'tensorflow', log: () => {} });
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-reintegrate-'));
    store = openStore(path.join(dir, 'store'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps the base embeddings unless the ELO model trained its own', async () => {
    const baseDir = await tinyBaseModel(dir);
    const eloDir = path.join(dir, 'elo');
    await detach(baseDir, [0, -1], eloDir);
    await perturb(path.join(eloDir, 'model.safetensors'), EMBED);
    const base = await store.commitFolder('in/base', baseDir, { producer: 'test' });
    const trainedRef = (nonLayerTrained: boolean) =>
      store.commitFolder(`in/elo-${nonLayerTrained}`, eloDir, {
        producer: 'test',
        meta: { nonLayerTrained },
      });
    const merge = async (trained: ArtifactRef): Promise<ArtifactRef> => {
      const input = stageInput(
        store.rootUri,
        `merge-${trained.meta['nonLayerTrained']}`,
        {},
        {
          base,
          trained,
        },
      );
      const env = new MockActivityEnvironment({ attempt: 1 });
      const r: StageActivityResult = await env.run(
        (i: StageActivityInput) =>
          reintegrateActivity.run(i, { storeFor: () => Promise.resolve(store) }),
        input,
      );
      return r.outputs['model']!;
    };
    const fromBase = await embedBytes(store, base, dir);
    const fromElo = await embedBytes(store, await trainedRef(true), dir);
    assert.ok(!fromBase.equals(fromElo));
    const frozen = await embedBytes(store, await merge(await trainedRef(false)), dir);
    const unfrozen = await embedBytes(store, await merge(await trainedRef(true)), dir);
    assert.ok(frozen.equals(fromBase), 'frozen embeddings come from the base');
    assert.ok(unfrozen.equals(fromElo), 'trained embeddings come from the ELO model');
  });
});
