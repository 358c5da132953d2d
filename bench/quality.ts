// Section 2 (and the quality half of the layer-choice ablation): continual pretraining of the
// base model towards Korean with each method, then held-out bits per byte per language.
// ELO runs the project's real flow: detach (formats) -> load the small model -> train ->
// save -> reintegrate (formats) -> load the merged model -> optional layer alignment.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evaluate } from '../engine/eval.js';
import { loadModelFolder, saveModelFolder } from '../engine/io/hf-folder.js';
import type { LlamaModel } from '../engine/model/llama-model.js';
import { selectTrainable } from '../engine/train/trainable.js';
import { detach, reintegrate } from '../formats/index.js';
import type { EvalSubset } from './bench-data.js';
import type { BenchModel } from './bench-models.js';
import { benchTrainer, methodLabel, planFor } from './bench-trainer.js';
import type { BenchMethod, MethodPlan } from './flop-model.js';

export type Bpb = Record<string, number>;

export interface QualityContext {
  m: BenchModel;
  baseDir: string;
  tokens: ArrayLike<number>;
  /** Layer alignment's small balanced set (the pipeline's prepare-align-data). */
  alignTokens: ArrayLike<number>;
  eosTokenId: number;
  evalSets: EvalSubset[];
  peakLr: number;
  alignSteps: number;
  alignLr: number;
  seed: number;
  log: (line: string) => void;
}

export interface QualityRun {
  label: string;
  method: BenchMethod | 'base';
  layers: number[];
  steps: number;
  tokens: number;
  /** Wall time of everything the method needs (ELO: detach, training, save, reintegrate). */
  wallMs: number;
  trainMs: number;
  finalLoss: number | null;
  bpb: Bpb;
  /** ELO only: the switch that unfreezes embeddings (and the tied head) was on. */
  trainEmbeddings?: boolean;
  /** ELO only: after layer alignment. */
  aligned?: { steps: number; wallMs: number; finalLoss: number | null; bpb: Bpb };
}

export async function evalBpb(model: LlamaModel, c: QualityContext): Promise<Bpb> {
  const out: Bpb = {};
  for (const s of c.evalSets) {
    const r = await evaluate(model, s.documents, {
      seqLen: c.m.seqLen,
      batchSize: c.m.batchSize,
      bytes: s.bytes,
    });
    out[s.lang] = r.bitsPerByte!;
  }
  return out;
}

async function train(
  model: LlamaModel,
  plan: MethodPlan,
  steps: number,
  lr: number,
  seed: number,
  c: QualityContext,
  tokens: ArrayLike<number> = c.tokens,
): Promise<{ trainMs: number; finalLoss: number | null; tokens: number }> {
  const trainer = benchTrainer(model, c.m, plan, tokens, {
    steps,
    peakLr: lr,
    seed,
    eosTokenId: c.eosTokenId,
  });
  const t0 = performance.now();
  const r = await trainer.run();
  const trainMs = performance.now() - t0;
  trainer.dispose();
  return { trainMs, finalLoss: r.lastLoss, tokens: r.tokens };
}

export async function baseRun(c: QualityContext): Promise<QualityRun> {
  const model = await loadModelFolder(c.baseDir);
  const bpb = await evalBpb(model, c);
  model.dispose();
  return {
    label: 'base',
    method: 'base',
    layers: [],
    steps: 0,
    tokens: 0,
    wallMs: 0,
    trainMs: 0,
    finalLoss: null,
    bpb,
  };
}

/** Full continual pretraining or in-place freeze-tuning of λ, in the full model. */
export async function inPlaceRun(
  c: QualityContext,
  method: 'full' | 'freeze-tune',
  lambda: readonly number[],
  steps: number,
): Promise<QualityRun> {
  const plan = planFor(c.m, method, lambda);
  const t0 = performance.now();
  const model = await loadModelFolder(c.baseDir);
  const r = await train(model, plan, steps, c.peakLr, c.seed, c);
  const wallMs = performance.now() - t0;
  const bpb = await evalBpb(model, c);
  model.dispose();
  c.log(`${methodLabel(plan)} ${steps} steps: ${(wallMs / 1000).toFixed(1)} s, bpb ${fmt(bpb)}`);
  return {
    label: methodLabel(plan),
    method,
    layers: plan.layers,
    steps,
    tokens: r.tokens,
    wallMs,
    trainMs: r.trainMs,
    finalLoss: r.finalLoss,
    bpb,
  };
}

/** ELO: detach λ, train the small model, reintegrate, evaluate; then align and evaluate again. */
export async function eloRun(
  c: QualityContext,
  lambda: readonly number[],
  steps: number,
  /** trainEmbeddings: the switch that unfreezes embeddings (and the tied head) in ELO training. */
  opts: { align: boolean; trainEmbeddings?: boolean },
): Promise<QualityRun> {
  const plan = planFor(c.m, 'elo', lambda);
  const emb = opts.trainEmbeddings === true;
  const label = `${methodLabel(plan)}${emb ? ' +emb' : ''}`;
  const work = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-'));
  try {
    const t0 = performance.now();
    const detached = path.join(work, 'detached');
    await detach(c.baseDir, plan.layers, detached);
    const small = await loadModelFolder(detached);
    const trainable = selectTrainable(
      small.weights.specs,
      small.layerIndices,
      small.config.numHiddenLayers,
      { mode: 'elo', ...(emb ? { trainEmbeddings: true } : {}) },
      small.config.tieWordEmbeddings,
    );
    const r = await train(small, { ...plan, trainable }, steps, c.peakLr, c.seed, c);
    const trained = path.join(work, 'trained');
    const rawConfig = JSON.parse(await readFile(path.join(detached, 'config.json'), 'utf8'));
    await saveModelFolder(small, trained, { rawConfig, sideFilesFrom: detached });
    small.dispose();
    const mergedDir = path.join(work, 'merged');
    await reintegrate(c.baseDir, trained, mergedDir, { includeNonLayer: emb });
    const merged = await loadModelFolder(mergedDir);
    const wallMs = performance.now() - t0;
    const bpb = await evalBpb(merged, c);
    c.log(`${label} ${steps} steps: ${(wallMs / 1000).toFixed(1)} s, bpb ${fmt(bpb)}`);
    const run: QualityRun = {
      label,
      method: 'elo',
      ...(emb ? { trainEmbeddings: true } : {}),
      layers: plan.layers,
      steps,
      tokens: r.tokens,
      wallMs,
      trainMs: r.trainMs,
      finalLoss: r.finalLoss,
      bpb,
    };
    if (opts.align) {
      // Layer alignment: a brief full fine-tune of the merged model on a small balanced set.
      const fullPlan = planFor(c.m, 'full', []);
      const a = await train(
        merged,
        fullPlan,
        c.alignSteps,
        c.alignLr,
        c.seed + 1,
        c,
        c.alignTokens,
      );
      const abpb = await evalBpb(merged, c);
      run.aligned = { steps: c.alignSteps, wallMs: a.trainMs, finalLoss: a.finalLoss, bpb: abpb };
      c.log(
        `  + alignment ${c.alignSteps} steps: ${(a.trainMs / 1000).toFixed(1)} s, bpb ${fmt(abpb)}`,
      );
    }
    merged.dispose();
    return run;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function fmt(b: Bpb): string {
  return Object.entries(b)
    .map(([l, v]) => `${l} ${v.toFixed(3)}`)
    .join(', ');
}
