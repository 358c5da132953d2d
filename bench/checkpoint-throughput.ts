// Section 5b: checkpoint save and restore throughput through the artifact store, to file:// and
// to the S3 server (versitygw, started by infra/), with the engine's StoreCheckpointer: the
// weights and AdamW moments of a full training state, files first, manifest last, sha256
// verified on restore.
import type { ArtifactStore } from '../storage/artifact-store.js';
import { StoreCheckpointer } from '../engine/train/store-checkpointer.js';
import type { BenchModel } from './bench-models.js';
import { benchTrainer, planFor, randomModelFor } from './bench-trainer.js';
import { summarize, type Summary } from './summary.js';

export interface CheckpointThroughput {
  bytes: number;
  saveMBps: Summary;
  restoreMBps: Summary;
}

export async function checkpointThroughput(
  m: BenchModel,
  store: ArtifactStore,
  prefix: string,
  reps: number,
): Promise<CheckpointThroughput> {
  const plan = planFor(m, 'full', []);
  const model = randomModelFor(m, plan, 1);
  const tokens = Int32Array.from({ length: 16 * 1024 }, (_, i) => (i * 7919) % m.config.vocabSize);
  const save: number[] = [];
  const restore: number[] = [];
  let bytes = 0;
  for (let r = 0; r < reps; r++) {
    // A fresh prefix per repetition: artifacts are immutable, and each save must write its files.
    const checkpointer = new StoreCheckpointer(store, `${prefix}/rep-${r}`);
    const trainer = benchTrainer(
      model,
      m,
      plan,
      tokens,
      { steps: 1, peakLr: 1e-4, seed: 1, eosTokenId: 1 },
      checkpointer,
    );
    if (r === 0) trainer.trainStep(); // moments become non-zero (same size either way)
    let t0 = performance.now();
    const key = (await trainer.saveCheckpoint())!;
    const saveS = (performance.now() - t0) / 1000;
    bytes = (await store.readManifest(key))!.files.reduce((n, f) => n + f.bytes, 0);
    t0 = performance.now();
    const state = await checkpointer.loadLatest(model, trainer.optimizer);
    const restoreS = (performance.now() - t0) / 1000;
    if (!state) throw new Error(`checkpoint ${key} did not restore`);
    save.push(bytes / 1e6 / saveS);
    restore.push(bytes / 1e6 / restoreS);
    trainer.dispose();
  }
  model.dispose();
  return { bytes, saveMBps: summarize(save), restoreMBps: summarize(restore) };
}
