// The two model shapes the bench trains. The demo model is the shipped base model's shape; the
// LLM-like one has many layers and an LM head that is a small share of compute, as real LLMs
// do (with 8 layers and an 8k vocabulary the head is a third of the demo's forward FLOPs, which
// caps what skipping layers can save).
import { forwardFlops, matMulCosts } from '../engine/flops.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type LlamaConfig, tinyConfig, validateConfig } from '../engine/model/config.js';
import { parseHfConfig } from '../formats/index.js';
import { projectRoot } from '../infra/project-paths.js';

export interface BenchModel {
  name: string;
  config: LlamaConfig;
  batchSize: number;
  seqLen: number;
}

const common = {
  vocabSize: 8192, // the shipped tokenizer
  maxPositionEmbeddings: 256,
  bosTokenId: 0,
  eosTokenId: 1,
} satisfies Partial<LlamaConfig>;

/** The project's shipped base model (data/models/, pretrained by its base-pretrain pipeline). */
export const SHIPPED_BASE_DIR = path.join(projectRoot, 'data', 'models', 'base-en-ko-5m');

/** The demo model: the shipped base model's own shape (read from its config.json). */
const demoConfig = validateConfig(
  parseHfConfig(JSON.parse(readFileSync(path.join(SHIPPED_BASE_DIR, 'config.json'), 'utf8'))),
);
export const DEMO_MODEL: BenchModel = {
  name: `demo (${demoConfig.numHiddenLayers} layers, d=${demoConfig.hiddenSize})`,
  config: demoConfig,
  batchSize: 8,
  seqLen: 128,
};

export const LLM_LIKE_MODEL: BenchModel = {
  name: 'llm-like (16 layers, d=256)',
  config: tinyConfig({
    ...common,
    hiddenSize: 256,
    intermediateSize: 1024,
    numHiddenLayers: 16,
    numAttentionHeads: 8,
    numKeyValueHeads: 4,
  }),
  batchSize: 4,
  seqLen: 128,
};

/** The LM head's share of one forward pass's matMul FLOPs. */
export function headShare(m: BenchModel): number {
  const layers = Array.from({ length: m.config.numHiddenLayers }, (_, i) => i);
  const shape = { batchSize: m.batchSize, seqLen: m.seqLen };
  const head = matMulCosts(m.config, layers, shape).find((c) => c.name === 'lm_head')!.flops;
  return head / forwardFlops(m.config, layers, shape);
}
