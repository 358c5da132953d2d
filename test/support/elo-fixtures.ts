// What the ELO integration tests train on: a tiny random Llama with the shipped tokenizer (made
// here: no model is downloaded) and a few documents of the shipped corpora per language.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { saveModelFolder } from '../../engine/io/hf-folder.js';
import { tinyConfig } from '../../engine/model/config.js';
import { LlamaModel } from '../../engine/model/llama-model.js';
import { HfTokenizer } from '../../formats/index.js';
import { projectRoot } from '../../infra/project-paths.js';
import type { DagSpec } from '../../pipeline/dag.js';

export const TOKENIZER = path.join(projectRoot, 'data', 'tokenizer');

/** A 4-layer, hidden-32 Llama with the shipped 8k vocabulary, saved with its tokenizer. */
export async function tinyBaseModel(dir: string, seed = 7): Promise<string> {
  const tokenizer = await HfTokenizer.load(TOKENIZER);
  const base = LlamaModel.init(
    tinyConfig({
      vocabSize: tokenizer.vocabSize,
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 4,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      maxPositionEmbeddings: 128,
      tieWordEmbeddings: true,
      bosTokenId: tokenizer.tokenToId('<|bos|>') ?? null,
      eosTokenId: tokenizer.tokenToId('<|eos|>') ?? null,
    }),
    seed,
  );
  const out = path.join(dir, 'tiny-base');
  await saveModelFolder(base, out, { sideFilesFrom: TOKENIZER });
  base.dispose();
  return out;
}

/** The first `n` documents of a shipped corpus file, as a new JSONL file. */
async function head(src: string, n: number, out: string): Promise<string> {
  const lines = (await readFile(path.join(projectRoot, 'data', 'corpora', src), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .slice(0, n);
  await writeFile(out, lines.join('\n') + '\n');
  return out;
}

/** `data.languages` of a run config: en and ko, a few train documents and the UDHR as eval. */
export async function tinyLanguages(dir: string) {
  const corpora = path.join(dir, 'corpora');
  await mkdir(corpora, { recursive: true });
  const src = async (name: string, n: number) => [
    { path: await head(name, n, path.join(corpora, name.replace(/\//g, '-'))) },
  ];
  return {
    en: {
      scripts: ['Latin'],
      train: await src('en/train.jsonl', 40),
      eval: { udhr: await src('en/eval-udhr.jsonl', 1) },
    },
    ko: {
      scripts: ['Hangul'],
      train: await src('ko/train.jsonl', 60),
      eval: { udhr: await src('ko/eval-udhr.jsonl', 1) },
    },
  };
}

/** A DAG's import-base + prepare-data nodes over the tiny model and corpora (seqLen 32). */
export async function tinyInputNodes(dir: string, model: string): Promise<DagSpec['nodes']> {
  return [
    { id: 'import-base', stage: 'import-model', params: { source: model } },
    {
      id: 'prepare-data',
      stage: 'prepare-data',
      params: {
        data: {
          languages: await tinyLanguages(dir),
          target: 'ko',
          tokenizer: TOKENIZER,
          seqLen: 32,
          tokenBudget: 2000,
        },
      },
    },
  ];
}
