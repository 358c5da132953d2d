// What unfreezing the embeddings (and a tied head) costs an ELO training stage, from the memory
// model and the FLOP model: the figures a user weighs when the target needs new token
// representations (dataprep/coverage.ts says when).
import { trainingStepFlops } from '../flops.js';
import { formatBytes, type MemoryEstimate } from '../memory-model.js';
import { type LlamaConfig, resolveLayerIndices } from '../model/config.js';
import { parameterSpecs } from '../model/weights.js';
import { selectionMemory } from './selection-memory.js';
import { selectTrainable } from './trainable.js';

export interface EmbeddingCost {
  memory: { frozen: MemoryEstimate; trained: MemoryEstimate };
  flops: { frozen: number; trained: number };
  trainableParams: { frozen: number; trained: number };
}

/** ELO of λ on `config` (the detached model of |λ| layers), embeddings frozen vs trained. */
export function eloEmbeddingCost(
  config: LlamaConfig,
  lambda: readonly number[],
  batchSize: number,
  seqLen: number,
): EmbeddingCost {
  const layers = resolveLayerIndices(lambda, config.numHiddenLayers);
  // The detached model holds only λ; the memory model counts a model's layers from its config.
  const detached = { ...config, numHiddenLayers: layers.length };
  const held = Array.from({ length: layers.length }, (_, i) => i);
  const specs = parameterSpecs(detached, held);
  const one = (trainEmbeddings: boolean) => {
    const sel = { mode: 'elo' as const, trainEmbeddings };
    const names = new Set(
      selectTrainable(specs, held, detached.numHiddenLayers, sel, config.tieWordEmbeddings),
    );
    return {
      memory: selectionMemory(detached, sel, batchSize, seqLen),
      flops: trainingStepFlops(detached, held, { batchSize, seqLen }, specs, names).total,
      params: specs
        .filter((s) => names.has(s.name))
        .reduce((a, s) => a + s.hfShape.reduce((x, y) => x * y, 1), 0),
    };
  };
  const f = one(false);
  const t = one(true);
  return {
    memory: { frozen: f.memory, trained: t.memory },
    flops: { frozen: f.flops, trained: t.flops },
    trainableParams: { frozen: f.params, trained: t.params },
  };
}

/** "training memory 310 MB -> 352 MB (memory model), 1.40x the FLOPs per step (FLOP model)". */
export function describeEmbeddingCost(c: EmbeddingCost): string {
  return (
    `training memory ${formatBytes(c.memory.frozen.total)} -> ${formatBytes(c.memory.trained.total)} ` +
    `(memory model), ${(c.flops.trained / c.flops.frozen).toFixed(2)}x the FLOPs per step ` +
    `(FLOP model), ${c.trainableParams.frozen.toLocaleString('en-US')} -> ` +
    `${c.trainableParams.trained.toLocaleString('en-US')} trainable parameters`
  );
}
