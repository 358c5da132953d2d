// The scale bench (`npm run bench -- --only scale`): Llama-3.2-1B- and 3B-shaped random-weight
// folders through the pipeline's stages, one child process per stage (wall time and peak RSS),
// the memory model's estimate next to each measured peak, ELO's step time and tokens/s, full CP
// refused by the memory model, and on paper Llama-3.1-8B on one 24 GB and one 80 GB GPU.
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StageMemoryError } from '../../activities/memory-gate.js';
import { activeBackend, initBackend } from '../../engine/backend.js';
import { evalMemory, formatBytes, formatParams } from '../../engine/memory-model.js';
import { methodMemory } from '../../engine/train/selection-memory.js';
import { HfTokenizer, TokenShardWriter } from '../../formats/index.js';
import { projectRoot } from '../../infra/project-paths.js';
import { machineMemoryBytes } from '../../workers/memory-budget.js';
import { planMethod } from '../flop-model.js';
import { makeShape } from './make-shape.js';
import type { ProbeRequest } from './scale-probe.js';
import { configOf, LLAMA_31_8B, LLAMA_32_1B, LLAMA_32_3B, type ScaleShape } from './shapes.js';
import { pseudoTokens } from './tokens.js';

export interface StageRecord {
  stage: string;
  wallMs: number;
  peakRssBytes: number;
  /** The memory model's peak for the stage, where it has one. */
  estimateBytes: number | null;
  /** Why it did not run (its estimate over the bench's per-process cap), when it did not. */
  skipped?: string;
  extra: Record<string, unknown>;
}

export interface ShapeRecord {
  shape: string;
  /** When this shape was measured (a run of `--shapes` keeps the other shapes' older records). */
  measuredOn?: string;
  params: number;
  files: { count: number; bytes: number; makeMs: number };
  stages: StageRecord[];
  elo: {
    layers: number[];
    steps: number;
    tokensPerStep: number;
    stepMs: number;
    tokensPerSec: number;
  };
  fullCp: { estimateBytes: number; budgetBytes: number; refusal: string };
}

export interface PaperRow {
  gpu: string;
  memoryBytes: number;
  method: string;
  estimateBytes: number;
  fits: boolean;
  flopsPer1BTokens: number;
  hoursPer1BTokens: number;
}

export interface ScaleResults {
  format: 'elo-scale-results';
  date: string;
  backend: string;
  machineMemoryBytes: number;
  settings: typeof SETTINGS;
  shapes: ShapeRecord[];
  paper: {
    model: string;
    params: number;
    batchSize: number;
    seqLen: number;
    rows: PaperRow[];
    assumptions: string;
  };
}

/** Small enough for 2 shared cores, big enough that every part shows: seconds per step. */
const SETTINGS = {
  layers: [0, -1],
  steps: 3,
  train: { batchSize: 1, seqLen: 256 },
  eval: { batchSize: 4, seqLen: 128, tokens: 2048 },
};

/** Sustained rates assumed for the paper rows: 40 % of each card's dense bf16 tensor peak. */
const GPUS = [
  { gpu: '24 GB (RTX 4090 class: 165 TFLOP/s bf16 dense)', memoryBytes: 24e9, flops: 0.4 * 165e12 },
  { gpu: '80 GB (A100 80GB: 312 TFLOP/s bf16 dense)', memoryBytes: 80e9, flops: 0.4 * 312e12 },
];

function probe(req: ProbeRequest, log: (l: string) => void): Promise<Record<string, unknown>> {
  const script = path.join(projectRoot, 'dist', 'bench', 'scale', 'scale-probe.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(req)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`${req.stage} probe exited ${code}: ${err.slice(-2000)}`));
      const line = out.trim().split('\n').at(-1)!;
      log(`${req.stage}: ${line.slice(0, 200)}`);
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

async function folderBytes(dir: string, files: string[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await stat(path.join(dir, f))).size;
  return n;
}

async function measureShape(
  shape: ScaleShape,
  work: string,
  log: (l: string) => void,
): Promise<ShapeRecord> {
  const config = configOf(shape);
  const dir = path.join(work, shape.name);
  const base = path.join(dir, 'base');
  const t0 = performance.now();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await makeShape(shape, base);
  const makeMs = performance.now() - t0;
  const files = (await readdir(base)).filter((f) => f.endsWith('.safetensors'));
  log(`${shape.name}: made ${files.length} file(s) in ${(makeMs / 1000).toFixed(0)} s`);

  const stages: StageRecord[] = [];
  const record = (stage: string, r: Record<string, unknown>, estimate: number | null) => {
    const { wallMs, peakRssBytes, ...extra } = r as { wallMs: number; peakRssBytes: number };
    stages.push({ stage, wallMs, peakRssBytes, estimateBytes: estimate, extra });
  };
  const e = SETTINGS.eval;
  const evalEstimate = evalMemory({
    config,
    batchSize: e.batchSize,
    seqLen: e.seqLen,
    evalTokens: e.tokens,
    streaming: true,
  }).total;
  record('import-model', await probe({ stage: 'import', folder: base }, log), null);
  const detached = path.join(dir, 'detached');
  record(
    'detach',
    await probe({ stage: 'detach', folder: base, out: detached, layers: SETTINGS.layers }, log),
    null,
  );
  record(
    'evaluate-base (layer by layer)',
    await probe(
      { stage: 'eval', folder: base, tokens: e.tokens, batchSize: e.batchSize, seqLen: e.seqLen },
      log,
    ),
    evalEstimate,
  );

  const tokenizer = await HfTokenizer.load(base);
  const shardBin = path.join(dir, 'train-0000.bin');
  const writer = await TokenShardWriter.create(shardBin, {
    vocabSize: tokenizer.vocabSize,
    tokenizerHash: tokenizer.hash,
  });
  const t = SETTINGS.train;
  await writer.appendDocument(
    pseudoTokens((SETTINGS.steps + 2) * t.batchSize * (t.seqLen + 1), 8000, 9),
    'ko',
  );
  await writer.close();
  const trained = path.join(dir, 'trained');
  const eloEstimate = methodMemory(config, 'elo', SETTINGS.layers, t.batchSize, t.seqLen);
  // The machine is shared: leave 40% of it to the rest (a 3B ELO step needs ~13 GB of 24).
  const cap = Number(process.env['ELO_BENCH_PROCESS_CAP'] ?? 0.6 * machineMemoryBytes());
  if (eloEstimate.total > cap) {
    // The machine is shared: the memory model keeps the bench from starting what would not fit.
    stages.push({
      stage: 'elo-pretrain (detached λ)',
      wallMs: 0,
      peakRssBytes: 0,
      estimateBytes: eloEstimate.total,
      skipped: `estimate over the bench's per-process cap of ${formatBytes(cap)} (ELO_BENCH_PROCESS_CAP)`,
      extra: {},
    });
    log(
      `${shape.name}: elo-pretrain not run (${formatBytes(eloEstimate.total)} > cap ${formatBytes(cap)})`,
    );
  }
  const train =
    eloEstimate.total > cap
      ? null
      : await probe(
          {
            stage: 'train',
            folder: detached,
            shard: shardBin.replace(/\.bin$/, '.json'),
            eos: tokenizer.tokenToId('<|eos|>') ?? 1,
            steps: SETTINGS.steps,
            batchSize: t.batchSize,
            seqLen: t.seqLen,
            storeUri: pathToFileURL(path.join(dir, 'store')).href,
            out: trained,
          },
          log,
        );
  if (train) {
    record('elo-pretrain (detached λ)', train, eloEstimate.total);
    const merged = path.join(dir, 'merged');
    record(
      'reintegrate',
      await probe({ stage: 'reintegrate', base, elo: trained, out: merged }, log),
      null,
    );
    record(
      'evaluate-elo (layer by layer)',
      await probe(
        {
          stage: 'eval',
          folder: merged,
          tokens: e.tokens,
          batchSize: e.batchSize,
          seqLen: e.seqLen,
        },
        log,
      ),
      evalEstimate,
    );
  }

  const full = methodMemory(config, 'full', [], t.batchSize, t.seqLen);
  const budget = machineMemoryBytes();
  const refusal = new StageMemoryError(
    {
      estimate: full,
      what: `full-cp of this ${formatParams(full.params.computed)} model`,
      advice: 'use ELO or a bigger worker',
    },
    budget,
  ).message;
  const stats = (train?.['stats'] ?? { meanStepMs: 0, tokensPerSec: 0 }) as {
    meanStepMs: number;
    tokensPerSec: number;
  };
  const bytes = await folderBytes(base, files);
  await rm(dir, { recursive: true, force: true }); // gigabytes: never left behind
  return {
    shape: shape.name,
    measuredOn: new Date().toISOString().slice(0, 10),
    params: full.params.computed,
    files: { count: files.length, bytes, makeMs },
    stages,
    elo: {
      layers: SETTINGS.layers,
      steps: SETTINGS.steps,
      tokensPerStep: t.batchSize * t.seqLen,
      stepMs: stats.meanStepMs,
      tokensPerSec: stats.tokensPerSec,
    },
    fullCp: {
      estimateBytes: full.total,
      budgetBytes: budget,
      refusal: budget < full.total ? refusal : '',
    },
  };
}

/** Llama-3.1-8B on one 24 GB and one 80 GB GPU: memory model and FLOP model, no run. */
export function paperRows(): ScaleResults['paper'] {
  const config = configOf(LLAMA_31_8B);
  const shape = { batchSize: 1, seqLen: 2048 };
  const rows: PaperRow[] = [];
  for (const g of GPUS) {
    for (const method of ['full', 'elo'] as const) {
      const plan = planMethod(config, method, [0, -1], shape);
      const memory = methodMemory(config, method, [0, -1], shape.batchSize, shape.seqLen);
      const flopsPer1B = (plan.flops.total / (shape.batchSize * shape.seqLen)) * 1e9;
      rows.push({
        gpu: g.gpu,
        memoryBytes: g.memoryBytes,
        method: method === 'full' ? 'full CP' : 'ELO {first,last}',
        estimateBytes: memory.total,
        fits: memory.total <= g.memoryBytes,
        flopsPer1BTokens: flopsPer1B,
        hoursPer1BTokens: flopsPer1B / g.flops / 3600,
      });
    }
  }
  return {
    model: LLAMA_31_8B.name,
    params: methodMemory(config, 'full', [], 1, 2048).params.computed,
    ...shape,
    rows,
    assumptions:
      'memory as this engine holds a model (fp32 weights, fp32 AdamW moments and gradients of the trainable part, activations and logits at 1 x 2048 tokens); time = the FLOP model of a step (engine/flops.ts) at 40 % of the card’s dense bf16 peak',
  };
}

/**
 * Measures the named shapes (default both). With a subset, the other shapes' records are carried
 * over from `previous` (the newest results file), so one shape can be rerun without the hour the
 * other takes.
 */
export async function measureScale(
  log: (l: string) => void,
  only: readonly string[] = [],
  previous: ScaleResults | null = null,
): Promise<ScaleResults> {
  const all = [LLAMA_32_1B, LLAMA_32_3B];
  const unknown = only.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `--shapes: unknown ${unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})`,
    );
  }
  await initBackend({ log: () => {} }); // the children pick the same (auto)
  const work = path.join(projectRoot, '.tools', 'bench', 'scale');
  const shapes: ShapeRecord[] = [];
  for (const shape of all) {
    const carried = previous?.shapes.find((s) => s.shape === shape.name);
    if (only.length > 0 && !only.includes(shape.name) && carried) {
      shapes.push({ ...carried, measuredOn: carried.measuredOn ?? previous!.date.slice(0, 10) });
      log(`${shape.name}: carried over from the previous results`);
    } else shapes.push(await measureShape(shape, work, log));
  }
  return {
    format: 'elo-scale-results',
    date: new Date().toISOString(),
    backend: activeBackend()?.name ?? 'unknown',
    machineMemoryBytes: machineMemoryBytes(),
    settings: SETTINGS,
    shapes,
    paper: paperRows(),
  };
}
