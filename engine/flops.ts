// FLOP counts of the model as the engine computes it (a multiply-add = 2 FLOPs; elementwise ops,
// norms and softmax are left out: they are a few percent at these sizes).
//
// Backward rule: each matMul downstream of the first trainable parameter costs its forward FLOPs
// again for the input gradient (dX), and each trainable weight costs them once more (dW).
// Upstream of the first trainable parameter nothing is computed (tfjs prunes the tape), and a
// frozen weight's dW is never computed (see kernels/fast-mat-mul.ts).
import type { LlamaConfig } from './model/config.js';
import type { ParamSpec } from './model/weights.js';

export interface StepShape {
  batchSize: number;
  seqLen: number;
}

/** One matMul of the forward pass: its FLOPs, its weight (if any), its position in the network. */
export interface MatMulCost {
  name: string;
  flops: number;
  weight: string | null;
  /** 0 = embedding, 1..L = kept layers in order, L+1 = head. */
  position: number;
}

export function matMulCosts(
  config: LlamaConfig,
  layers: readonly number[],
  shape: StepShape,
): MatMulCost[] {
  const n = shape.batchSize * shape.seqLen; // tokens
  const { hiddenSize: d, intermediateSize: ff, headDim: hd } = config;
  const qDim = config.numAttentionHeads * hd;
  const kvDim = config.numKeyValueHeads * hd;
  // scores and probs·V over every (query, key) pair: the causal mask is applied, not skipped
  const attn = 2 * shape.batchSize * config.numAttentionHeads * shape.seqLen * shape.seqLen * hd;
  const costs: MatMulCost[] = [];
  layers.forEach((layer, i) => {
    const p = `model.layers.${layer}`;
    const pos = i + 1;
    const lin = (name: string, inDim: number, outDim: number): void => {
      costs.push({
        name: `${p}.${name}`,
        flops: 2 * n * inDim * outDim,
        weight: `${p}.${name}.weight`,
        position: pos,
      });
    };
    lin('self_attn.q_proj', d, qDim);
    lin('self_attn.k_proj', d, kvDim);
    lin('self_attn.v_proj', d, kvDim);
    costs.push({ name: `${p}.self_attn.scores`, flops: attn, weight: null, position: pos });
    costs.push({ name: `${p}.self_attn.probs_v`, flops: attn, weight: null, position: pos });
    lin('self_attn.o_proj', qDim, d);
    lin('mlp.gate_proj', d, ff);
    lin('mlp.up_proj', d, ff);
    lin('mlp.down_proj', ff, d);
  });
  costs.push({
    name: 'lm_head',
    flops: 2 * n * d * config.vocabSize,
    weight: config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight',
    position: layers.length + 1,
  });
  return costs;
}

export interface StepFlops {
  forward: number;
  backward: number;
  total: number;
}

/** FLOPs of one forward, and of one training step (forward + backward) with these trainables. */
export function trainingStepFlops(
  config: LlamaConfig,
  layers: readonly number[],
  shape: StepShape,
  specs: readonly ParamSpec[],
  trainable: ReadonlySet<string>,
): StepFlops {
  const costs = matMulCosts(config, layers, shape);
  const positionOf = (s: ParamSpec): number =>
    s.group === 'embed' ? 0 : s.group === 'head' ? layers.length + 1 : layers.indexOf(s.layer!) + 1;
  const firstTrainable = Math.min(
    ...specs.filter((s) => trainable.has(s.name)).map(positionOf),
    Infinity,
  );
  let forward = 0;
  let backward = 0;
  for (const c of costs) {
    forward += c.flops;
    // dX where a trainable parameter lies upstream (or in the same block: an estimate).
    const needsInputGrad =
      c.position > firstTrainable || (c.position === firstTrainable && c.position > 0);
    if (needsInputGrad) backward += c.flops;
    if (c.weight && trainable.has(c.weight)) backward += c.flops;
  }
  return { forward, backward, total: forward + backward };
}

/** FLOPs of a forward pass only (eval). */
export function forwardFlops(
  config: LlamaConfig,
  layers: readonly number[],
  shape: StepShape,
): number {
  return matMulCosts(config, layers, shape).reduce((s, c) => s + c.flops, 0);
}
