// Shared by the tests that run real training on a real worker (kill and resume, corrupt
// checkpoints, worker metrics, the fault suite): a small ELO data + train DAG, the checkpoints a run left in a file store, and damage.
import { access, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DagSpec } from '../../pipeline/dag.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { TOKENIZER } from './elo-fixtures.js';

export const FAULT_STEPS = 40;
export const FAULT_EVERY = 10;

/** import → prepare-data → train (full CP, a checkpoint every `every` steps, seed fixed). */
export function faultTrainDag(
  model: string,
  languages: unknown,
  steps = FAULT_STEPS,
  every = FAULT_EVERY,
): DagSpec {
  return {
    name: 'train-faults',
    nodes: [
      { id: 'import-base', stage: 'import-model', params: { source: model } },
      {
        id: 'prepare-data',
        stage: 'prepare-data',
        params: {
          data: { languages, target: 'ko', tokenizer: TOKENIZER, seqLen: 32, tokenBudget: 3000 },
        },
      },
      {
        id: 'train',
        stage: 'train',
        // A killed worker is noticed after 5 s of silence instead of 20.
        options: { heartbeatTimeout: '5s' },
        params: {
          mode: 'full',
          steps,
          batchSize: 2,
          seqLen: 32,
          checkpointEvery: every,
          warmupSteps: 2,
          seed: 3,
        },
        needs: { model: 'import-base.model', data: 'prepare-data.data' },
      },
    ],
  };
}

/** Committed checkpoint keys of a run's train node, oldest first. */
export async function checkpointsOf(store: ArtifactStore, runName: string): Promise<string[]> {
  return (await store.list(`runs/${runName}/train`))
    .filter((k) => /\/checkpoints\/step-\d+$/.test(k))
    .sort();
}

/** Path on disk of a file of a file:// store's artifact. */
export function fileOf(store: ArtifactStore, key: string, rel: string): string {
  return path.join(fileURLToPath(store.rootUri), ...key.split('/'), rel);
}

/** Flips `n` bytes in the middle of a file (size unchanged): only the sha256 check notices. */
export async function flipBytes(file: string, n = 16): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const { size } = await fh.stat();
    const at = Math.floor(size / 2);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, at);
    for (let i = 0; i < n; i++) buf[i] = buf[i]! ^ 0xff;
    await fh.write(buf, 0, n, at);
  } finally {
    await fh.close();
  }
}

/** Cuts a file to half its size, as a writer that died mid-file would leave it. */
export async function truncateHalf(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.truncate(Math.floor((await fh.stat()).size / 2));
  } finally {
    await fh.close();
  }
}

/** Waits for a `gate` failpoint (engine/train/failpoints.ts) to be reached; returns its release. */
export async function gateReached(
  gateDir: string,
  site: 'train.step' | 'train.checkpoint',
  step: number,
  ceilingMs = 300_000,
): Promise<() => Promise<void>> {
  const reached = path.join(gateDir, `${site}-${step}.reached`);
  const go = path.join(gateDir, `${site}-${step}.go`);
  // A ceiling for a point the failpoint makes certain, not a speed limit.
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    try {
      await access(reached);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`gate ${site}=${step} not reached in ${ceilingMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await rm(reached);
  return () => writeFile(go, '');
}

/** The trained weights of a run's train node. */
export async function trainedWeights(
  store: ArtifactStore,
  train: { outputs: Record<string, { uri: string }> },
): Promise<Buffer> {
  return store.readFile(store.keyOf(train.outputs['model']!.uri), 'model.safetensors');
}

/** Prints one figure of the fault suite (docs/reliability.md records them). */
export function figure(line: string): void {
  console.log(`[fault] ${line}`);
}
