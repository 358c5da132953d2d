// `npm run crosscheck:hf`: the engine against Hugging Face transformers, both directions.
//  1. transformers builds random tiny models (GQA, tied embeddings, Qwen2 q/k/v bias, llama3
//     rope scaling), saves them with save_pretrained(safe_serialization=True) and records logits;
//     the engine loads each folder and must match (fp32 max abs diff <= 1e-4).
//  2. the engine builds the same kinds, saves HF folders; transformers loads them with no missing
//     or unexpected keys and must give the same logits.
// The reference side runs in the tools folder's hf-venv (infra/hf-venv.ts, created on first use
// from requirements.txt: PyPI's torch is the CUDA build, ~4 GB with its libraries, CPU is used).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../engine/backend.js';
import { ensureHfVenv } from '../../infra/hf-venv.js';
import { loadModelFolder, saveModelFolder } from '../../engine/io/hf-folder.js';
import { crosscheckPy } from './python.js';
import {
  engineLogits,
  engineModels,
  FULL_SHAPE,
  maxAbsDiff,
  seededModel,
  TOKENS,
} from './reference-models.js';

let python = '';
const TOLERANCE = 1e-4;
const py = (...args: string[]) => crosscheckPy(python, ...args);

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
      const diff = maxAbsDiff(engineLogits(model, TOKENS), expected.logits);
      model.dispose();
      report(`${made['made'] as string}: max abs diff ${diff.toExponential(2)}`, diff <= TOLERANCE);
    }
    console.log('engine -> HF (engine saves, transformers from_pretrained and runs):');
    const folders: string[] = [];
    let seed = 1;
    for (const [name, config] of Object.entries(engineModels(FULL_SHAPE))) {
      const model = seededModel(config, seed++);
      const folder = path.join(tmp, 'engine', name);
      await saveModelFolder(model, folder);
      await writeFile(
        path.join(folder, 'engine_logits.json'),
        JSON.stringify({ tokens: TOKENS, logits: Array.from(engineLogits(model, TOKENS)) }),
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
