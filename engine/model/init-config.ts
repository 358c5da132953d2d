// A from-scratch Llama (pretraining without a base model): the shape comes from the caller, the
// vocabulary and special-token ids from the tokenizer the data was prepared with.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HfTokenizer } from '../../formats/index.js';
import { saveModelFolder } from '../io/hf-folder.js';
import type { LlamaConfig } from './config.js';
import { LlamaModel } from './llama-model.js';

/** The shape of a model built from scratch (the train stage's `init` params). */
export interface InitShape {
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  initializerRange: number;
}

/** A Llama config of `shape` over the tokenizer in `tokenizerDir` (tokenizer.json + its config). */
export async function initLlamaConfig(
  shape: InitShape,
  tokenizerDir: string,
): Promise<LlamaConfig> {
  const tokenizer = await HfTokenizer.load(tokenizerDir);
  const special = JSON.parse(
    await readFile(path.join(tokenizerDir, 'tokenizer_config.json'), 'utf8'),
  ) as { bos_token?: string; eos_token?: string };
  const idOf = (t?: string) => (t === undefined ? null : (tokenizer.tokenToId(t) ?? null));
  return {
    architecture: 'LlamaForCausalLM',
    modelType: 'llama',
    vocabSize: tokenizer.vocabSize,
    hiddenSize: shape.hiddenSize,
    intermediateSize: shape.intermediateSize,
    numHiddenLayers: shape.numHiddenLayers,
    numAttentionHeads: shape.numAttentionHeads,
    numKeyValueHeads: shape.numKeyValueHeads,
    headDim: shape.hiddenSize / shape.numAttentionHeads,
    rmsNormEps: shape.rmsNormEps,
    ropeTheta: shape.ropeTheta,
    ropeScaling: null,
    maxPositionEmbeddings: shape.maxPositionEmbeddings,
    tieWordEmbeddings: shape.tieWordEmbeddings,
    attentionBias: false,
    oProjBias: false,
    slidingWindow: null,
    bosTokenId: idOf(special.bos_token),
    eosTokenId: idOf(special.eos_token),
    torchDtype: null,
  };
}

/** Writes a seeded model of `shape` as an HF folder, with the tokenizer's files beside it. */
export async function initModelFolder(
  shape: InitShape,
  seed: number,
  tokenizerDir: string,
  out: string,
): Promise<void> {
  const config = await initLlamaConfig(shape, tokenizerDir);
  const model = LlamaModel.init(config, seed, { initializerRange: shape.initializerRange });
  try {
    await saveModelFolder(model, out, { sideFilesFrom: tokenizerDir });
  } finally {
    model.dispose();
  }
}
