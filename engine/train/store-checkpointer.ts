// Checkpoints in the artifact store: files staged locally, committed with the store's protocol
// (files first, MANIFEST.json with sha256 last). Loading walks back from the newest checkpoint to
// the first one whose files all verify; a partial or corrupt checkpoint is skipped, never fatal.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { CorruptArtifactError } from '../../storage/errors.js';
import { withScratch } from '../../storage/scratch.js';
import { isTransientStoreError } from '../../storage/transient.js';
import { CheckpointError, ShapeMismatchError } from '../errors.js';
import {
  checkpointKey,
  checkpointStep,
  loadNewestCheckpoint,
  newestFirst,
} from './checkpoint-keys.js';
import { readHostTensors, writeHostTensors } from '../io/host-tensors.js';
import type { LlamaModel } from '../model/llama-model.js';
import type { AdamW } from './adamw.js';
import type { Checkpointer, LoadedState, TrainState } from './checkpoint.js';

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'state.json';

/** The store operations a checkpointer needs (any ArtifactStore has them). */
export type CheckpointStore = Pick<
  ArtifactStore,
  'commitFolder' | 'list' | 'fetchFolder' | 'delete'
>;

export interface StoreCheckpointerOptions {
  /** Keep this many newest checkpoints; older ones are deleted after a commit (0 = keep all). */
  keepLast?: number;
  /** Told about skipped (unverifiable) checkpoints. */
  log?: (line: string) => void;
}

export class StoreCheckpointer implements Checkpointer {
  constructor(
    private readonly store: CheckpointStore,
    /** Store key under which `step-00000042` checkpoints go, e.g. `runs/r1/train/checkpoints`. */
    private readonly prefix: string,
    private readonly opts: StoreCheckpointerOptions = {},
  ) {}

  keyFor(step: number): string {
    return checkpointKey(this.prefix, step);
  }

  async save(model: LlamaModel, optimizer: AdamW, state: TrainState): Promise<string> {
    const key = this.keyFor(state.step);
    await withScratch(async (staging) => {
      await writeHostTensors(path.join(staging, MODEL_FILE), model.weights.toHostLazy(), {
        format: 'pt',
      });
      // Moments are in the engine's storage layout (linear weights [in, out]); only we read them.
      await writeHostTensors(path.join(staging, OPTIMIZER_FILE), optimizer.exportStateLazy(), {
        layout: 'elo-engine',
      });
      await writeFile(path.join(staging, STATE_FILE), JSON.stringify(state, null, 2));
      await this.store.commitFolder(key, staging, {
        producer: 'engine/train',
        meta: { step: state.step, tokens: state.tokens },
      });
    }, 'elo-ckpt-');
    await this.prune();
    return key;
  }

  /** Committed checkpoint keys, newest first. */
  async list(): Promise<string[]> {
    return newestFirst(await this.store.list(this.prefix));
  }

  private async prune(): Promise<void> {
    const keep = this.opts.keepLast ?? 0;
    if (keep <= 0) return;
    for (const key of (await this.list()).slice(keep)) await this.store.delete(key);
  }

  loadLatest(model: LlamaModel, optimizer: AdamW): Promise<LoadedState | null> {
    return loadNewestCheckpoint(this.store, this.prefix, (key) =>
      withScratch((dir) => this.tryLoad(key, dir, model, optimizer), 'elo-resume-'),
    );
  }

  /** One checkpoint into model and optimizer; null when it does not verify (and is skipped). */
  private async tryLoad(
    key: string,
    dir: string,
    model: LlamaModel,
    optimizer: AdamW,
  ): Promise<LoadedState | null> {
    try {
      let state: TrainState;
      let weights;
      let moments;
      try {
        await this.store.fetchFolder(key, dir); // verifies every file's sha256
        state = JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8')) as TrainState;
        weights = await readHostTensors(path.join(dir, MODEL_FILE));
        moments = await readHostTensors(path.join(dir, OPTIMIZER_FILE));
      } catch (err) {
        // A store that cannot be reached is not a bad checkpoint: falling back past it would
        // throw away good work. The attempt fails (after the store's own retries) instead.
        if (isTransientStoreError(err)) throw err;
        this.opts.log?.(
          `[engine] skipping checkpoint ${key} (step ${checkpointStep(key)}): ${(err as Error).message}; ` +
            'falling back to an older one',
        );
        // Repaired, not kept: re-saving this step later must write fresh files, and a commit
        // of identical content would otherwise return the damaged artifact as is.
        if (err instanceof CorruptArtifactError) await this.store.delete(key);
        return null;
      }
      // A checkpoint that verifies but does not fit this model is a config error: say so.
      if (JSON.stringify(state.layers) !== JSON.stringify(model.layerIndices)) {
        throw new CheckpointError(
          `${key}: checkpoint holds layers [${state.layers}], the model [${model.layerIndices}]`,
        );
      }
      model.weights.assignFromHost(weights, `${key}/${MODEL_FILE}`);
      optimizer.importState(moments, state.optimizerSteps, `${key}/${OPTIMIZER_FILE}`);
      return { ...state, key };
    } catch (err) {
      if (err instanceof ShapeMismatchError || err instanceof CheckpointError) throw err;
      throw new CheckpointError(`${key}: ${(err as Error).message}`);
    }
  }
}
