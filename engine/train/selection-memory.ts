// The memory model (memory-model.ts) for a trainable selection, counted without building a model:
// what the train stage is admitted by, and the bench's estimates of ELO and full CP.
import { type MemoryEstimate, trainMemory } from '../memory-model.js';
import type { LlamaConfig } from '../model/config.js';
import { countTrainable, type TrainableSelection } from './trainable.js';

/** Training `selection` of a model that holds every layer of `config`, at batch x sequence. */
export function selectionMemory(
  config: LlamaConfig,
  selection: TrainableSelection,
  batchSize: number,
  seqLen: number,
): MemoryEstimate {
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i) => i);
  const t = countTrainable(config, layers, selection);
  return trainMemory({
    config,
    heldLayers: config.numHiddenLayers,
    trainableParams: t.trainable,
    largestTrainableTensor: t.largestTensor,
    batchSize,
    seqLen,
  });
}

/** ELO of λ (the detached model of |λ| layers) or full CP of `config`. */
export function methodMemory(
  config: LlamaConfig,
  method: 'elo' | 'full',
  lambda: readonly number[],
  batchSize: number,
  seqLen: number,
): MemoryEstimate {
  const held = method === 'elo' ? { ...config, numHiddenLayers: lambda.length } : config;
  return selectionMemory(held, { mode: method }, batchSize, seqLen);
}
