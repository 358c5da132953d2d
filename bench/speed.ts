// Section 1 (and the speed half of the layer-choice ablation): step time of each method on one
// model shape. Every method's trainer lives in this process and the repetitions are interleaved
// (one repetition of every method per round), so load from other jobs on a shared machine hits
// all methods alike and the ratios stay meaningful. Memory comes from one child process per
// method (memory-probe.ts): RSS and the WASM heap only grow within a process.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchModel } from './bench-models.js';
import { benchTrainer, methodLabel, planFor, randomModelFor } from './bench-trainer.js';
import type { BenchMethod, MethodPlan } from './flop-model.js';
import type { ProbeRequest } from './memory-probe.js';
import type { StepTimings } from '../engine/train/trainer.js';
import { mean, median, type Summary, summarize } from './summary.js';

const run = promisify(execFile);

export interface MethodRequest {
  method: BenchMethod;
  layers: number[];
}

export interface SpeedRun {
  model: string;
  label: string;
  plan: MethodPlan;
  stepMs: Summary;
  /** Per repetition: the mean step time of its steps. */
  repetitionsMs: number[];
  /** Median over repetitions of forward / backward / optimizer time per step. */
  phasesMs: { forward: number; backward: number; optimizer: number };
  tokensPerStep: number;
  tokensPerSec: number;
  achievedFlopsPerSec: number;
  peakTensorBytes: number | null;
  rssBytes: number | null;
}

export interface SpeedOptions {
  repetitions: number;
  stepsPerRepetition: number;
  tokens: ArrayLike<number>;
  eosTokenId: number;
  /** Measure memory in child processes for these (label match); default all. */
  memory?: boolean;
  /** Runs after each round (the PyTorch peer's round of the same model, torch-peer.ts). */
  afterRound?: () => Promise<void>;
  log: (line: string) => void;
}

export async function measureSpeed(
  m: BenchModel,
  modelKey: ProbeRequest['model'],
  methods: readonly MethodRequest[],
  o: SpeedOptions,
): Promise<SpeedRun[]> {
  const entries = methods.map((req) => {
    const plan = planFor(m, req.method, req.layers);
    const model = randomModelFor(m, plan, 1);
    const trainer = benchTrainer(model, m, plan, o.tokens, {
      steps: 1_000_000,
      peakLr: 1e-4,
      seed: 1,
      eosTokenId: o.eosTokenId,
    });
    return { req, plan, model, trainer, reps: [] as number[], phases: [] as StepTimings[] };
  });
  for (const e of entries) e.trainer.trainStep(); // warm-up: XNNPACK operators, allocations
  for (let r = 0; r < o.repetitions; r++) {
    for (const e of entries) {
      const ms: number[] = [];
      for (let s = 0; s < o.stepsPerRepetition; s++) {
        const t = e.trainer.trainStep().timings;
        ms.push(t.stepMs);
        e.phases.push(t);
      }
      e.reps.push(mean(ms));
    }
    o.log(
      `${m.name} round ${r + 1}/${o.repetitions}: ` +
        entries.map((e) => `${methodLabel(e.plan)} ${e.reps.at(-1)!.toFixed(0)} ms`).join(', '),
    );
    await o.afterRound?.();
  }
  for (const e of entries) {
    e.trainer.dispose();
    e.model.dispose();
  }
  const tokensPerStep = m.batchSize * m.seqLen;
  const out: SpeedRun[] = [];
  for (const e of entries) {
    const stepMs = summarize(e.reps);
    const mem = o.memory === false ? null : await probeMemory({ model: modelKey, ...e.req });
    out.push({
      model: m.name,
      label: methodLabel(e.plan),
      plan: e.plan,
      stepMs,
      repetitionsMs: e.reps,
      phasesMs: {
        forward: median(e.phases.map((t) => t.forwardMs)),
        backward: median(e.phases.map((t) => t.backwardMs)),
        optimizer: median(e.phases.map((t) => t.optimizerMs)),
      },
      tokensPerStep,
      tokensPerSec: tokensPerStep / (stepMs.median / 1000),
      achievedFlopsPerSec: e.plan.flops.total / (stepMs.median / 1000),
      peakTensorBytes: mem?.peakTensorBytes ?? null,
      rssBytes: mem?.rssBytes ?? null,
    });
  }
  return out;
}

async function probeMemory(
  req: ProbeRequest,
): Promise<{ peakTensorBytes: number; rssBytes: number }> {
  const script = fileURLToPath(new URL('./memory-probe.js', import.meta.url));
  const { stdout } = await run(process.execPath, [script, JSON.stringify(req)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    peakTensorBytes: number;
    rssBytes: number;
  };
}
