// `npm run crosscheck:hf`: the engine against Hugging Face transformers, both directions.
//  1. transformers builds random tiny models (GQA, tied embeddings, Qwen2 q/k/v bias, llama3
//     rope scaling), saves them with save_pretrained(safe_serialization=True) and records logits;
//     the engine loads each folder and must match (fp32 max abs diff <= 1e-4).
//  2. the engine builds the same kinds, saves HF folders; transformers loads them with no missing
//     or unexpected keys and must give the same logits.
// The reference side runs in the tools folder's hf-venv (infra/hf-venv.ts, created on first use
// from requirements.txt: PyPI's torch is the CUDA build, ~4 GB with its libraries, CPU is used).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../engine/backend.js';
import { ensureHfVenv } from '../../infra/hf-venv.js';
import { loadModelFolder, saveModelFolder } from '../../engine/io/hf-folder.js';
import { type LlamaConfig, tinyConfig } from '../../engine/model/config.js';
import { LlamaModel } from '../../engine/model/llama-model.js';
import { initHostWeights } from '../../engine/model/weights.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const here = path.join(root, 'scripts', 'hf-crosscheck');
let python = '';
const TOLERANCE = 1e-4;
const TOKENS = [
  [3, 17, 42, 99, 5, 64, 7, 81, 23, 2, 50, 11],
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
];

async function py(...args: string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await run(python, [path.join(here, 'crosscheck.py'), ...args], {
    maxBuffer: 64 << 20,
  });
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function engineLogits(model: LlamaModel): Float32Array {
  const ids = Int32Array.from(TOKENS.flat());
  return tf.tidy(
    () => model.forward({ batchSize: 2, seqLen: 12, inputIds: ids }).dataSync() as Float32Array,
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const common = {
  vocabSize: 128,
  hiddenSize: 64,
  intermediateSize: 96,
  numHiddenLayers: 3,
  numAttentionHeads: 4,
  maxPositionEmbeddings: 64,
  rmsNormEps: 1e-6,
};

const ENGINE_MODELS: Record<string, LlamaConfig> = {
  'llama-gqa': tinyConfig({ ...common, numKeyValueHeads: 2 }),
  'llama-tied': tinyConfig({ ...common, numKeyValueHeads: 4, tieWordEmbeddings: true }),
  'qwen2-bias': tinyConfig({
    ...common,
    architecture: 'Qwen2ForCausalLM',
    modelType: 'qwen2',
    numKeyValueHeads: 2,
    attentionBias: true,
  }),
  'llama3-rope': tinyConfig({
    ...common,
    numKeyValueHeads: 1,
    ropeTheta: 500000,
    ropeScaling: {
      ropeType: 'llama3',
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 16,
    },
  }),
};

async function main(): Promise<number> {
  await initBackend();
  python = await ensureHfVenv((line) => console.log(line));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'elo-hf-crosscheck-'));
  let failures = 0;
  const report = (line: string, ok: boolean) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
    if (!ok) failures++;
  };
  try {
    console.log('HF -> engine (transformers save_pretrained, engine loads and runs):');
    for (const made of await py('make', path.join(tmp, 'hf'))) {
      const folder = made['folder'] as string;
      const expected = JSON.parse(await readFile(path.join(folder, 'expected.json'), 'utf8')) as {
        logits: number[];
      };
      const model = await loadModelFolder(folder);
      const diff = maxAbsDiff(engineLogits(model), expected.logits);
      model.dispose();
      report(`${made['made'] as string}: max abs diff ${diff.toExponential(2)}`, diff <= TOLERANCE);
    }
    console.log('engine -> HF (engine saves, transformers from_pretrained and runs):');
    const folders: string[] = [];
    let seed = 1;
    for (const [name, config] of Object.entries(ENGINE_MODELS)) {
      const layers = [0, 1, 2];
      const host = initHostWeights(config, layers, seed++, 0.1);
      for (const t of host.values()) {
        if (t.shape.length === 1)
          t.data.forEach((_, i) => (t.data[i] = 1 + 0.3 * Math.sin(i + seed)));
      }
      const model = LlamaModel.fromHost(config, host);
      const folder = path.join(tmp, 'engine', name);
      await saveModelFolder(model, folder);
      await writeFile(
        path.join(folder, 'engine_logits.json'),
        JSON.stringify({ tokens: TOKENS, logits: Array.from(engineLogits(model)) }),
      );
      model.dispose();
      folders.push(folder);
    }
    for (const r of await py('check', ...folders)) {
      const missing = r['missing_keys'] as string[];
      const unexpected = r['unexpected_keys'] as string[];
      const diff = r['max_abs_diff'] as number;
      report(
        `${r['checked'] as string}: missing ${JSON.stringify(missing)}, unexpected ` +
          `${JSON.stringify(unexpected)}, max abs diff ${diff.toExponential(2)}`,
        missing.length === 0 && unexpected.length === 0 && diff <= TOLERANCE,
      );
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(failures === 0 ? `all passed (tolerance ${TOLERANCE})` : `${failures} failed`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
