// Hugging Face tensor names of a Llama-family checkpoint and the shapes a config implies.
import type { LlamaConfig } from './hf-config.js';

export const EMBED = 'model.embed_tokens.weight';
export const FINAL_NORM = 'model.norm.weight';
export const LM_HEAD = 'lm_head.weight';

/** Per-layer tensor suffixes (after `model.layers.N.`). */
export const LAYER_PARTS = [
  'input_layernorm.weight',
  'self_attn.q_proj.weight',
  'self_attn.q_proj.bias',
  'self_attn.k_proj.weight',
  'self_attn.k_proj.bias',
  'self_attn.v_proj.weight',
  'self_attn.v_proj.bias',
  'self_attn.o_proj.weight',
  'self_attn.o_proj.bias',
  'post_attention_layernorm.weight',
  'mlp.gate_proj.weight',
  'mlp.up_proj.weight',
  'mlp.down_proj.weight',
] as const;
export type LayerPart = (typeof LAYER_PARTS)[number];
export type GlobalPart = typeof EMBED | typeof FINAL_NORM | typeof LM_HEAD;

export type ParsedTensorName =
  { layer: number; part: LayerPart } | { layer?: undefined; part: GlobalPart };

/**
 * Tensors some checkpoints carry that are recomputed at load time (older Llama exports saved
 * the rotary inverse frequencies); safe to ignore and to drop.
 */
export function isIgnorableTensor(name: string): boolean {
  return /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/.test(name);
}

const LAYER_RE = /^model\.layers\.(0|[1-9]\d*)\.(.+)$/;

/** `model.layers.3.mlp.up_proj.weight` → {layer: 3, part: 'mlp.up_proj.weight'}; unknown → undefined. */
export function parseTensorName(name: string): ParsedTensorName | undefined {
  if (name === EMBED || name === FINAL_NORM || name === LM_HEAD) return { part: name };
  const m = LAYER_RE.exec(name);
  if (!m) return undefined;
  const part = m[2] as LayerPart;
  if (!(LAYER_PARTS as readonly string[]).includes(part)) return undefined;
  return { layer: Number(m[1]), part };
}

export function layerTensorName(layer: number, part: LayerPart): string {
  return `model.layers.${layer}.${part}`;
}

/** Layer tensors a config implies, in HF order, with their shapes. */
export function expectedLayerShapes(cfg: LlamaConfig): Map<LayerPart, number[]> {
  const h = cfg.hiddenSize;
  const q = cfg.numAttentionHeads * cfg.headDim;
  const kv = cfg.numKeyValueHeads * cfg.headDim;
  const i = cfg.intermediateSize;
  const m = new Map<LayerPart, number[]>();
  m.set('input_layernorm.weight', [h]);
  m.set('self_attn.q_proj.weight', [q, h]);
  if (cfg.attentionBias) m.set('self_attn.q_proj.bias', [q]);
  m.set('self_attn.k_proj.weight', [kv, h]);
  if (cfg.attentionBias) m.set('self_attn.k_proj.bias', [kv]);
  m.set('self_attn.v_proj.weight', [kv, h]);
  if (cfg.attentionBias) m.set('self_attn.v_proj.bias', [kv]);
  m.set('self_attn.o_proj.weight', [h, q]);
  if (cfg.oProjBias) m.set('self_attn.o_proj.bias', [h]);
  m.set('post_attention_layernorm.weight', [h]);
  m.set('mlp.gate_proj.weight', [i, h]);
  m.set('mlp.up_proj.weight', [i, h]);
  m.set('mlp.down_proj.weight', [h, i]);
  return m;
}

/**
 * Every tensor a config implies, in HF order: embeddings, layers 0..n-1, final norm, head.
 * With tied embeddings `lm_head.weight` is not expected (a checkpoint may still carry it).
 */
export function expectedTensorShapes(cfg: LlamaConfig): Map<string, number[]> {
  const m = new Map<string, number[]>();
  m.set(EMBED, [cfg.vocabSize, cfg.hiddenSize]);
  const layer = expectedLayerShapes(cfg);
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    for (const [part, shape] of layer) m.set(layerTensorName(l, part), shape);
  }
  m.set(FINAL_NORM, [cfg.hiddenSize]);
  if (!cfg.tieWordEmbeddings) m.set(LM_HEAD, [cfg.vocabSize, cfg.hiddenSize]);
  return m;
}
