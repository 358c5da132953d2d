// The base model the quality benchmarks continue from: the demo shape, pretrained from scratch
// on an English-heavy mix (English 19 : Korean 1), the way real base LLMs know a little of the
// target language. Built once per recipe and cached (.tools/bench/base-*); the committed demo
// base model replaces this once the project ships one.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { saveModelFolder } from '../engine/io/hf-folder.js';
import { LlamaModel } from '../engine/model/llama-model.js';
import { summarizeRun } from '../engine/stats.js';
import { DEFAULT_ADAMW } from '../engine/train/adamw.js';
import { PackedDataLoader } from '../engine/train/data-loader.js';
import { selectTrainable } from '../engine/train/trainable.js';
import { type StepInfo, Trainer } from '../engine/train/trainer.js';
import { cachedFolder } from './bench-cache.js';
import { benchData, TOKENIZER_DIR, trainTokens } from './bench-data.js';
import { DEMO_MODEL } from './bench-models.js';

export interface BaseRecipe {
  steps: number;
  peakLr: number;
  seed: number;
}

export const BASE_DATA = {
  target: 'en',
  mix: { en: 19, ko: 1 },
  seqLen: 128,
  tokenBudget: 600_000,
};

export interface BaseModel {
  dir: string;
  cached: boolean;
  recipe: BaseRecipe;
}

export async function baseModel(
  recipe: BaseRecipe,
  log: (line: string) => void,
): Promise<BaseModel> {
  const m = DEMO_MODEL;
  const { dir, cached } = await cachedFolder(
    'base',
    { recipe, data: BASE_DATA, config: m.config, batch: [m.batchSize, m.seqLen] },
    async (tmp) => {
      const data = await benchData('data-base', BASE_DATA);
      const tokens = await trainTokens(data);
      const model = LlamaModel.init(m.config, recipe.seed);
      const trainable = selectTrainable(model.weights.specs, model.layerIndices, 8, {
        mode: 'full',
      });
      const loader = new PackedDataLoader(tokens, {
        seqLen: m.seqLen,
        batchSize: m.batchSize,
        seed: recipe.seed,
        eosTokenId: data.result.stats.eosTokenId,
      });
      const trainer = new Trainer(
        model,
        loader,
        {
          seed: recipe.seed,
          totalSteps: recipe.steps,
          gradAccumSteps: 1,
          schedule: {
            peakLr: recipe.peakLr,
            minLr: recipe.peakLr / 10,
            warmupSteps: Math.max(1, Math.round(recipe.steps / 20)),
            totalSteps: recipe.steps,
          },
          adamw: DEFAULT_ADAMW,
          maxGradNorm: 1,
          checkpointEvery: 0,
        },
        trainable,
      );
      const steps: StepInfo[] = [];
      await trainer.run({
        onStep: (s) => {
          steps.push(s);
          if (s.step % 20 === 0 || s.step === recipe.steps) {
            log(`base pretraining: step ${s.step}/${recipe.steps} loss ${s.loss.toFixed(3)}`);
          }
        },
      });
      trainer.dispose();
      await saveModelFolder(model, tmp, { sideFilesFrom: TOKENIZER_DIR });
      const curve = steps.map((s) => ({ step: s.step, tokens: s.tokens, loss: s.loss }));
      await writeFile(
        path.join(tmp, 'base-training.json'),
        JSON.stringify({ recipe, data: BASE_DATA, stats: summarizeRun(steps), curve }, null, 2),
      );
      model.dispose();
    },
  );
  return { dir, cached, recipe };
}
