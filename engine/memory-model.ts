// The memory model: what a stage will hold at its peak, from the model's config, the trainable
// selection and the batch shape, before it loads anything. Workers admit stages by it (a stage
// that can never fit fails at once), and the scale bench checks it against measured peak RSS.
//
// Pure arithmetic (no tfjs): the engine holds every weight it computes with as float32, AdamW
// keeps two float32 moments per trainable parameter, tfjs keeps a float32 gradient per trainable
// parameter until the update, and the tape keeps every intermediate of the forward pass.
import type { LlamaConfig } from './model/config.js';

export const GB = 1e9;
const F32 = 4;

/** A Node process with tfjs and a backend initialised, before any model: measured ~250-350 MB. */
export const RUNTIME_BYTES = 350e6;
/** A training or evaluation job's worker thread: its own isolate, backend and WASM heap. */
export const THREAD_BYTES = 150e6;
/** The WASM backend's heap is a wasm32 memory: at most 4 GiB - 64 KiB of tensors. */
export const WASM_HEAP_MAX_BYTES = 4294901760;
/** Streaming stages (import, detach, reintegrate, prepare-data, report): chunks, tokenizer, JSON. */
export const STREAMING_STAGE_BYTES = 600e6;

/** Parameter counts of the parts of a model (biases and norms included). */
export interface ParamCounts {
  embedding: number;
  /** One decoder layer. */
  layer: number;
  /** Final norm + untied lm_head (tied: the norm only). */
  head: number;
}

export function paramCounts(c: LlamaConfig): ParamCounts {
  const d = c.hiddenSize;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const bias = (c.attentionBias ? q + 2 * kv : 0) + (c.oProjBias ? d : 0);
  const layer = 2 * d + d * q + 2 * d * kv + q * d + bias + 3 * d * c.intermediateSize;
  const embedding = c.vocabSize * d;
  return {
    embedding,
    layer,
    head: d + (c.tieWordEmbeddings ? 0 : embedding),
  };
}

/** The parts of an estimate, in bytes; `total` is the peak. */
export interface MemoryEstimate {
  weights: number;
  gradients: number;
  optimizer: number;
  activations: number;
  logits: number;
  /** Host copies while loading (safetensors -> float32 -> backend tensors), or streaming buffers. */
  transient: number;
  runtime: number;
  /** Bytes inside the tfjs backend at the peak (bounded on WASM by WASM_HEAP_MAX_BYTES). */
  tensorBytes: number;
  total: number;
  /** Parameters the stage computes with, and trains. */
  params: { computed: number; trainable: number };
  /** The parts that dominate, for messages: "fp32 weights + AdamW". */
  dominant: string;
}

export interface TrainMemoryInput {
  config: LlamaConfig;
  /** Decoder layers the model holds (ELO: the detached ones). */
  heldLayers: number;
  /** Trainable parameters (from the selection; see countTrainable). */
  trainableParams: number;
  /** The largest trainable tensor's parameters: AdamW's temporaries are per tensor. */
  largestTrainableTensor: number;
  batchSize: number;
  seqLen: number;
}

/** Tokens-dependent bytes of one decoder layer's forward kept for backward (per token). */
function layerActivationBytesPerToken(c: LlamaConfig): number {
  const d = c.hiddenSize;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  // residual, 2 norms (input, output), q/k/v, rotated q/k, attention output, o_proj, MLP
  // gate/up/silu/product, down, second residual: every one a float32 tensor the tape keeps.
  return F32 * (6 * d + 3 * q + 3 * kv + 4 * c.intermediateSize);
}

/** Scores, masked scores and probabilities: (B, heads, T, T) each. */
function attentionBytes(c: LlamaConfig, batchSize: number, seqLen: number): number {
  return 3 * F32 * batchSize * c.numAttentionHeads * seqLen * seqLen;
}

/**
 * Copies of the (vocab, hidden) head matrix a pass makes: a tied head is transpose(embedding)
 * (one copy, kept by the tape), and the backward's input gradient through the head multiplies by
 * an explicit transpose of it (kernels/fast-mat-mul.ts): one more when training.
 */
function headCopyBytes(c: LlamaConfig, training: boolean): number {
  return F32 * c.vocabSize * c.hiddenSize * ((c.tieWordEmbeddings ? 1 : 0) + (training ? 1 : 0));
}

/**
 * TensorFlow's CPU matmul packs its right operand into a buffer of the same size while it runs,
 * so the logits' product hidden · head holds a second (hidden, vocab) head (measured 1.0-1.1x its
 * float32 size at 1B, the largest term the evaluate estimate lacked: 17-25 % low before).
 */
function headPackBytes(c: LlamaConfig): number {
  return F32 * c.vocabSize * c.hiddenSize;
}

/**
 * A training stage: weights of the held model, gradients and AdamW moments of the trainable
 * part, the forward's intermediates at batch x sequence, the (tokens, vocab) logits with the
 * loss's probabilities, its host-side gradient and that gradient as a tensor, and the head's
 * copies. Checkpoints and the output folder then read tensors to the host one at a time, on
 * top of what the backend keeps from the step (its allocator does not hand the step's peak back).
 */
export function trainMemory(m: TrainMemoryInput): MemoryEstimate {
  const counts = paramCounts(m.config);
  const computed = counts.embedding + m.heldLayers * counts.layer + counts.head;
  const tokens = m.batchSize * m.seqLen;
  const weights = F32 * computed;
  const gradients = F32 * m.trainableParams;
  // Two moments, plus the update's temporaries for the largest tensor (m, v, update, decay).
  const optimizer = 2 * F32 * m.trainableParams + 4 * F32 * m.largestTrainableTensor;
  const activations =
    m.heldLayers *
      (tokens * layerActivationBytesPerToken(m.config) +
        attentionBytes(m.config, m.batchSize, m.seqLen)) +
    2 * F32 * tokens * m.config.hiddenSize +
    headCopyBytes(m.config, true);
  const logits = 4 * F32 * tokens * m.config.vocabSize;
  const tensorBytes = weights + gradients + optimizer + activations + logits;
  // Saving (checkpoint, output folder) reads one tensor at a time to the host: the largest one,
  // and its encoded copy.
  const largest = Math.max(
    counts.embedding,
    m.config.hiddenSize * m.config.intermediateSize,
    m.config.hiddenSize * m.config.numAttentionHeads * m.config.headDim,
  );
  const saving = 2 * F32 * largest;
  // Loading reads each tensor widened to float32 into one host map before the backend copies it.
  const transient = Math.max(weights, saving);
  const runtime = RUNTIME_BYTES + THREAD_BYTES;
  const total = runtime + Math.max(2 * weights, tensorBytes + saving);
  return {
    weights,
    gradients,
    optimizer,
    activations,
    logits,
    transient,
    runtime,
    tensorBytes,
    total,
    params: { computed, trainable: m.trainableParams },
    dominant: dominantParts({ weights, gradients, optimizer, activations, logits }),
  };
}

/**
 * Evaluate all in memory up to this many bytes of float32 weights, stream layer by layer above:
 * loading holds the weights twice (host copy + tensors), and the WASM backend's heap ends at 4 GiB.
 */
export const STREAM_EVAL_ABOVE_BYTES = 2e9;

export type EvalStreaming = 'auto' | 'always' | 'never';

/** Whether an evaluation of this model streams (the stage and its estimate decide alike). */
export function evalStreams(config: LlamaConfig, mode: EvalStreaming): boolean {
  if (mode !== 'auto') return mode === 'always';
  const c = paramCounts(config);
  return F32 * (c.embedding + config.numHiddenLayers * c.layer + c.head) > STREAM_EVAL_ABOVE_BYTES;
}

export interface EvalMemoryInput {
  config: LlamaConfig;
  batchSize: number;
  seqLen: number;
  /** Tokens evaluated in all (streaming keeps every row's hidden state between layers). */
  evalTokens: number;
  /** Stream layer by layer (engine/streaming-eval.ts) instead of loading the whole model. */
  streaming: boolean;
}

/**
 * An evaluation stage, in a worker thread. All in memory: the whole model as float32 (twice while
 * it loads), one batch's intermediates (no tape), its logits and probabilities and the head the
 * matmul packs for them. Streaming: the embedding and head, one layer at a time (host copy +
 * tensors), the hidden states of every evaluated row; at the end the same logits terms.
 */
export function evalMemory(m: EvalMemoryInput): MemoryEstimate {
  const c = m.config;
  const counts = paramCounts(c);
  const tokens = m.batchSize * m.seqLen;
  const oneLayer =
    tokens * layerActivationBytesPerToken(c) + attentionBytes(c, m.batchSize, m.seqLen);
  // Logits and probabilities, and the head packed for the product that makes them.
  const logits = 2 * F32 * tokens * c.vocabSize + headPackBytes(c);
  const computed = counts.embedding + c.numHiddenLayers * counts.layer + counts.head;
  const head = headCopyBytes(c, false);
  let weights: number;
  let transient: number;
  let activations: number;
  let peak: number;
  if (m.streaming) {
    // Layers: embedding + one layer (and its host copy while it loads) + every row's hidden
    // state. The end: embedding + head (a tied one transposed once) + one batch's logits.
    weights = F32 * (counts.embedding + counts.head + counts.layer);
    const hidden = 2 * F32 * m.evalTokens * c.hiddenSize;
    activations = oneLayer + hidden;
    transient = F32 * counts.layer;
    const layersPhase = F32 * (counts.embedding + counts.head + 2 * counts.layer) + activations;
    const endPhase = F32 * (counts.embedding + counts.head) + head + hidden + logits;
    // Loading the embedding: the file's bytes (2 a parameter in BF16) + the float32 host copy.
    const loadPhase = (F32 + 6) * counts.embedding;
    peak = Math.max(layersPhase, endPhase, loadPhase);
  } else {
    weights = F32 * computed;
    transient = weights;
    activations = oneLayer + head;
    peak = Math.max(2 * weights, weights + activations + logits);
  }
  const tensorBytes = weights + activations + logits;
  const runtime = RUNTIME_BYTES + THREAD_BYTES;
  return {
    weights,
    gradients: 0,
    optimizer: 0,
    activations,
    logits,
    transient,
    runtime,
    tensorBytes,
    total: runtime + peak,
    params: { computed, trainable: 0 },
    dominant: dominantParts({ weights, activations, logits }),
  };
}

/** Stages that stream files through fixed buffers: their peak does not depend on the model. */
export function streamingStageMemory(): MemoryEstimate {
  return {
    weights: 0,
    gradients: 0,
    optimizer: 0,
    activations: 0,
    logits: 0,
    transient: STREAMING_STAGE_BYTES - RUNTIME_BYTES,
    runtime: RUNTIME_BYTES,
    tensorBytes: 0,
    total: STREAMING_STAGE_BYTES,
    params: { computed: 0, trainable: 0 },
    dominant: 'streaming buffers',
  };
}

const PART_NAMES: Record<string, string> = {
  weights: 'fp32 weights',
  gradients: 'gradients',
  optimizer: 'AdamW',
  activations: 'activations',
  logits: 'logits',
};

/** The parts that make up most of the estimate: "fp32 weights + AdamW". */
function dominantParts(parts: Record<string, number>): string {
  const sorted = Object.entries(parts).sort((a, b) => b[1] - a[1]);
  const sum = sorted.reduce((s, [, v]) => s + v, 0);
  const chosen = new Set<string>();
  let acc = 0;
  for (const [name, v] of sorted) {
    if (acc >= 0.7 * sum || v === 0) break;
    // Gradients ride with AdamW in the usual wording ("weights + AdamW"): same size, same cause.
    chosen.add(name === 'gradients' && parts.optimizer! > 0 ? 'optimizer' : name);
    acc += v;
  }
  return Object.keys(PART_NAMES)
    .filter((n) => chosen.has(n))
    .map((n) => PART_NAMES[n])
    .join(' + ');
}

/** "3.2B", "1.24B", "620M": parameter counts in messages. */
export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}B`;
  if (n >= 1e6) return `${Math.round(n / 1e6)}M`;
  return `${Math.round(n / 1e3)}K`;
}

/** "52 GB", "3.4 GB", "640 MB": decimal units, as machines are sold. */
export function formatBytes(n: number): string {
  if (n >= 10 * GB) return `${Math.round(n / GB)} GB`;
  if (n >= GB) return `${(n / GB).toFixed(1)} GB`;
  return `${Math.round(n / 1e6)} MB`;
}
