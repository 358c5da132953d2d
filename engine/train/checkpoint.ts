// What a training checkpoint holds, and the interface the trainer saves and resumes through.
import type { LlamaModel } from '../model/llama-model.js';
import type { AdamW } from './adamw.js';
import type { DataLoaderState } from './data-loader.js';

/** state.json: everything besides tensors that an exact resume needs. */
export interface TrainState {
  step: number; // optimizer updates done
  tokens: number; // input tokens processed
  optimizerSteps: number; // AdamW bias-correction counter
  lr: number; // LR of the last update (the schedule itself is a pure function of step)
  loader: DataLoaderState; // data cursor + RNG state
  trainable: string[];
  layers: number[];
  seed: number;
}

export interface LoadedState extends TrainState {
  key: string;
}

export interface Checkpointer {
  /** Key (store path) of the checkpoint for `step`. */
  keyFor(step: number): string;
  /** Writes weights, optimizer moments and state (files first, manifest last); returns the key. */
  save(model: LlamaModel, optimizer: AdamW, state: TrainState): Promise<string>;
  /**
   * Restores the newest checkpoint whose every file verifies into model and optimizer, skipping
   * partial or corrupt ones; null when none verifies.
   */
  loadLatest(model: LlamaModel, optimizer: AdamW): Promise<LoadedState | null>;
}
