// Which parameters train: by mode, layer index and tensor-name pattern.
import { LayerIndexError } from '../errors.js';
import { type LlamaConfig, resolveLayerIndices } from '../model/config.js';
import { type ParamSpec, parameterSpecs } from '../model/weights.js';

/**
 * - elo: every layer the (detached) model holds; embeddings and head frozen unless switched on.
 * - full: everything (switches default on).
 * - freeze-tune: only `layers` inside the full model; embeddings and head as in elo.
 */
export type TrainMode = 'elo' | 'full' | 'freeze-tune';

export interface TrainableSelection {
  mode: TrainMode;
  /** freeze-tune: layer indices (negative from the end of the full model). */
  layers?: number[];
  /**
   * freeze-tune: also the layers next to these (i - 1 and i + 1), not these themselves: a cheap
   * alignment around reintegrated layers when a full fine-tune does not fit.
   */
  nextTo?: number[];
  /** Regexes over HF names that train whatever their layer (e.g. every norm). */
  alsoTrain?: string[];
  /** Regexes over HF names; a layer tensor trains only if it matches one (default: all). */
  include?: string[];
  /** Regexes over HF names that never train. */
  exclude?: string[];
  /** model.embed_tokens (and a tied head). Default: mode === 'full'. */
  trainEmbeddings?: boolean;
  /** model.norm + lm_head (and a tied embedding). Default: mode === 'full'. */
  trainHead?: boolean;
}

/** Names of the trainable parameters, in spec order. */
export function selectTrainable(
  specs: readonly ParamSpec[],
  modelLayers: readonly number[],
  numHiddenLayers: number,
  sel: TrainableSelection,
  tieWordEmbeddings = false,
): string[] {
  const full = sel.mode === 'full';
  let layers: Set<number>;
  if (sel.mode === 'freeze-tune') {
    const wanted = [
      ...resolveLayerIndices(sel.layers ?? [], numHiddenLayers),
      ...neighbours(sel.nextTo ?? [], numHiddenLayers),
    ];
    for (const l of wanted)
      if (!modelLayers.includes(l)) throw new LayerIndexError(l, numHiddenLayers);
    layers = new Set(wanted);
  } else {
    layers = new Set(modelLayers);
  }
  const include = (sel.include ?? []).map((p) => new RegExp(p));
  const alsoTrain = (sel.alsoTrain ?? []).map((p) => new RegExp(p));
  const exclude = (sel.exclude ?? []).map((p) => new RegExp(p));
  const trainEmbeddings = sel.trainEmbeddings ?? full;
  const trainHead = sel.trainHead ?? full;
  return specs
    .filter((s) => {
      if (exclude.some((r) => r.test(s.name))) return false;
      if (alsoTrain.some((r) => r.test(s.name))) return true;
      if (s.group === 'embed') return trainEmbeddings || (tieWordEmbeddings && trainHead);
      if (s.group === 'head') return trainHead;
      if (!layers.has(s.layer!)) return false;
      return include.length === 0 || include.some((r) => r.test(s.name));
    })
    .map((s) => s.name);
}

/** The layers next to `layers` (resolved), without `layers` themselves, ascending. */
export function neighbours(layers: readonly number[], numHiddenLayers: number): number[] {
  const own = new Set(resolveLayerIndices(layers, numHiddenLayers));
  const out = new Set<number>();
  for (const l of own)
    for (const n of [l - 1, l + 1]) if (n >= 0 && n < numHiddenLayers && !own.has(n)) out.add(n);
  return [...out].sort((a, b) => a - b);
}

/**
 * Trainable parameters of a selection, the largest trainable tensor, and every parameter the
 * forward pass computes with (the model's layers), without building the model.
 */
export function countTrainable(
  config: LlamaConfig,
  modelLayers: readonly number[],
  sel: TrainableSelection,
): { trainable: number; largestTensor: number; computed: number } {
  const specs = parameterSpecs(config, modelLayers);
  const names = new Set(
    selectTrainable(specs, modelLayers, config.numHiddenLayers, sel, config.tieWordEmbeddings),
  );
  let trainable = 0;
  let largestTensor = 0;
  let computed = 0;
  for (const s of specs) {
    const n = s.hfShape.reduce((a, b) => a * b, 1);
    computed += n;
    if (!names.has(s.name)) continue;
    trainable += n;
    largestTensor = Math.max(largestTensor, n);
  }
  return { trainable, largestTensor, computed };
}
