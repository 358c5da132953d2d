// The FLOP model of a training method (engine/flops.ts): the step FLOPs of ELO (forward of the
// kept layers + embedding/head, backward only where gradients are needed), full continual
// pretraining and in-place freeze-tuning, and the speedup the model predicts between them.
import { trainingStepFlops, type StepFlops, type StepShape } from '../engine/flops.js';
import type { LlamaConfig } from '../engine/model/config.js';
import { parameterSpecs } from '../engine/model/weights.js';
import { selectTrainable } from '../engine/train/trainable.js';
import { resolveLayerIndices } from '../engine/model/config.js';

export type BenchMethod = 'elo' | 'full' | 'freeze-tune';

export interface MethodPlan {
  method: BenchMethod;
  /** λ: the layers ELO keeps (and freeze-tune trains), original indices; all for full. */
  layers: number[];
  /** Layers the forward pass runs (λ for elo; all otherwise). */
  computedLayers: number[];
  trainable: string[];
  params: { trainable: number; computed: number };
  flops: StepFlops;
}

export function planMethod(
  config: LlamaConfig,
  method: BenchMethod,
  lambda: readonly number[],
  shape: StepShape,
): MethodPlan {
  const n = config.numHiddenLayers;
  const all = Array.from({ length: n }, (_, i) => i);
  const layers = method === 'full' ? all : resolveLayerIndices(lambda, n);
  const computedLayers = method === 'elo' ? layers : all;
  const specs = parameterSpecs(config, computedLayers);
  const trainable = selectTrainable(
    specs,
    computedLayers,
    n,
    { mode: method, ...(method === 'freeze-tune' ? { layers } : {}) },
    config.tieWordEmbeddings,
  );
  const size = (names: Iterable<string>) => {
    const set = new Set(names);
    return specs
      .filter((s) => set.has(s.name))
      .reduce((a, s) => a + s.hfShape.reduce((x, y) => x * y, 1), 0);
  };
  return {
    method,
    layers,
    computedLayers,
    trainable,
    params: { trainable: size(trainable), computed: size(specs.map((s) => s.name)) },
    flops: trainingStepFlops(config, computedLayers, shape, specs, new Set(trainable)),
  };
}

/** The speedup the FLOP model predicts for `fast` over `slow` (same tokens per step). */
export function idealSpeedup(slow: MethodPlan, fast: MethodPlan): number {
  return slow.flops.total / fast.flops.total;
}
