// The quality bench over several seeds (issue 15): continual pretraining of the shipped base
// towards Korean with every method, at equal tokens and at equal wall-clock, plus the layer
// ablation, repeated per seed (the seed orders the data and the alignment set), so each figure
// has a mean and a spread and a verdict is given only where a difference exceeds the spread.
//   npm run build && nice -n 10 node dist/bench/quality/seeds.js [--seeds 3] [--steps 30]
// Writes bench/results/<date>-quality-seeds.json (after every seed: a partial run keeps what it
// finished) and docs/benchmarks/quality-seeds.md.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../engine/backend.js';
import { validateConfig } from '../../engine/model/config.js';
import { parseHfConfig } from '../../formats/index.js';
import { projectRoot } from '../../infra/project-paths.js';
import { benchData, evalSubset, trainTokens } from '../bench-data.js';
import { type BenchModel, SHIPPED_BASE_DIR } from '../bench-models.js';
import { planFor } from '../bench-trainer.js';
import { idealSpeedup } from '../flop-model.js';
import { baseRun, eloRun, inPlaceRun, type QualityContext, type QualityRun } from '../quality.js';
import { prettierFormat } from '../render-docs.js';
import { ABLATION_LAYERS } from '../sections.js';
import { renderSeeds } from './seeds-render.js';

const TARGET = 'ko';
const SOURCE = 'en';
const EVAL_SET = 'install-guide';

export interface SeedRun {
  seed: number;
  equalTokens: QualityRun[];
  equalWallClock: { budgetMs: number; runs: QualityRun[] };
  /** Ablation name -> ELO of those layers at equal tokens, without alignment. */
  ablation: [string, QualityRun][];
}

export interface SeedsResults {
  startedAt: string;
  endedAt: string;
  baseModel: string;
  model: { layers: number; hiddenSize: number; params: number };
  target: string;
  source: string;
  steps: number;
  tokensPerStep: number;
  alignSteps: number;
  peakLr: number;
  evalTokens: number;
  idealSpeedup: number;
  base: QualityRun;
  seeds: SeedRun[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '3' },
      steps: { type: 'string', default: '30' },
      'eval-tokens': { type: 'string', default: '4000' },
      base: { type: 'string', default: SHIPPED_BASE_DIR },
    },
  });
  const log = (line: string) => console.error(`[quality-seeds] ${line}`);
  const backend = await initBackend({ log });
  log(`backend ${backend.name}`);
  const baseDir = path.resolve(values.base);
  const config = validateConfig(
    parseHfConfig(JSON.parse(await readFile(path.join(baseDir, 'config.json'), 'utf8'))),
  );
  const m: BenchModel = { name: path.basename(baseDir), config, batchSize: 8, seqLen: 128 };
  const S = Number(values.steps);
  const alignSteps = Math.max(2, Math.round(S / 10));
  const evalTokens = Number(values['eval-tokens']);
  const peakLr = 1e-3;
  const cp = await benchData('data-cp', { target: TARGET, seqLen: m.seqLen });
  const alignData = await benchData('data-align', {
    target: TARGET,
    seqLen: m.seqLen,
    mix: { [SOURCE]: 1, [TARGET]: 1 },
    tokenBudget: alignSteps * m.batchSize * m.seqLen,
  });
  const ctx0: QualityContext = {
    m,
    baseDir,
    tokens: await trainTokens(cp),
    alignTokens: await trainTokens(alignData),
    eosTokenId: cp.result.stats.eosTokenId,
    evalSets: [
      await evalSubset(cp, TARGET, EVAL_SET, evalTokens),
      await evalSubset(cp, SOURCE, EVAL_SET, evalTokens),
    ],
    peakLr,
    alignSteps,
    alignLr: 3e-4,
    seed: 0,
    log,
  };
  const n = config.numHiddenLayers;
  const fl = [0, n - 1];
  const started = new Date();
  const base = await baseRun(ctx0);
  log(`base: ${JSON.stringify(base.bpb)}`);
  const results: SeedsResults = {
    startedAt: started.toISOString(),
    endedAt: started.toISOString(),
    baseModel: path.relative(projectRoot, baseDir),
    model: {
      layers: n,
      hiddenSize: config.hiddenSize,
      params: planFor(m, 'full', []).params.computed,
    },
    target: TARGET,
    source: SOURCE,
    steps: S,
    tokensPerStep: m.batchSize * m.seqLen,
    alignSteps,
    peakLr,
    evalTokens,
    idealSpeedup: idealSpeedup(planFor(m, 'full', []), planFor(m, 'elo', fl)),
    base,
    seeds: [],
  };
  const file = path.join(
    projectRoot,
    'bench',
    'results',
    `${started.toISOString().slice(0, 10)}-quality-seeds.json`,
  );
  const docs = path.join(projectRoot, 'docs', 'benchmarks', 'quality-seeds.md');
  for (let seed = 0; seed < Number(values.seeds); seed++) {
    const c = { ...ctx0, seed };
    log(`seed ${seed}`);
    const full = await inPlaceRun(c, 'full', [], S);
    const freeze = await inPlaceRun(c, 'freeze-tune', fl, S);
    const elo = await eloRun(c, fl, S, { align: true });
    const eloEmb = await eloRun(c, fl, S, { align: true, trainEmbeddings: true });
    // Equal wall-clock: full CP's wall time is the budget; ELO's includes detach, reintegration
    // and alignment, at its measured time per step.
    const budgetMs = full.wallMs;
    const fitted = (r: QualityRun) =>
      Math.max(1, Math.floor((budgetMs - r.aligned!.wallMs) / (r.wallMs / S)));
    const eloWc = await eloRun(c, fl, fitted(elo), { align: true });
    const eloEmbWc = await eloRun(c, fl, fitted(eloEmb), { align: true, trainEmbeddings: true });
    const freezeWc = await inPlaceRun(
      c,
      'freeze-tune',
      fl,
      Math.max(1, Math.floor(budgetMs / (freeze.wallMs / S))),
    );
    const ablation: [string, QualityRun][] = [];
    for (const a of ABLATION_LAYERS) {
      const layers = a.layers(n);
      const same = layers.join() === fl.join();
      ablation.push([a.name, same ? elo : await eloRun(c, layers, S, { align: false })]);
    }
    results.seeds.push({
      seed,
      equalTokens: [full, freeze, elo, eloEmb],
      equalWallClock: { budgetMs, runs: [full, freezeWc, eloWc, eloEmbWc] },
      ablation,
    });
    results.endedAt = new Date().toISOString();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await prettierFormat(JSON.stringify(results, null, 2), 'json'));
    await mkdir(path.dirname(docs), { recursive: true });
    await writeFile(
      docs,
      await prettierFormat(renderSeeds(results, path.relative(projectRoot, file)), 'markdown'),
    );
    log(
      `seed ${seed} done: ${path.relative(projectRoot, file)}, ${path.relative(projectRoot, docs)}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
