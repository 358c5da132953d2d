// Turns the sections' measurements into the results file's figures: run records, speedups,
// the ablation rows and the engine rates. Pure: everything comes in as arguments.
import { DEMO_MODEL, LLM_LIKE_MODEL } from './bench-models.js';
import type { MatMulRate, BlasRate } from './engine-efficiency.js';
import { idealSpeedup } from './flop-model.js';
import type { QualityRun } from './quality.js';
import type { BenchResults, RunRecord, SpeedupRecord } from './results.js';
import { ABLATION_LAYERS, type SpeedByModel } from './sections.js';
import type { SpeedRun } from './speed.js';
import { ratioOfMedians } from './summary.js';

type ModelKey = keyof SpeedByModel;

/** One speed run, with its equal-token quality figures where the quality section ran it. */
export function runRecords(
  speed: SpeedByModel,
  quality: BenchResults['quality'],
  ablationRuns: ReadonlyMap<string, QualityRun>,
): RunRecord[] {
  const record = (model: ModelKey, r: SpeedRun): RunRecord => {
    const q =
      quality?.equalTokens.find((x) => x.label === r.label) ??
      (r.plan.method === 'elo'
        ? [...ablationRuns.values()].find((x) => x.label === r.label)
        : undefined);
    return {
      model,
      method: r.plan.method,
      label: r.label,
      layers: r.plan.layers,
      params: r.plan.params,
      tokensPerSec: r.tokensPerSec,
      stepMs: r.stepMs,
      phasesMs: r.phasesMs,
      flopsPerStep: r.plan.flops,
      achievedFlopsPerSec: r.achievedFlopsPerSec,
      peakTensorBytes: r.peakTensorBytes,
      rssBytes: r.rssBytes,
      bpb: model === 'demo' && q ? q.bpb : {},
    };
  };
  return [
    ...speed.demo.map((r) => record('demo', r)),
    ...speed.llmLike.map((r) => record('llmLike', r)),
  ];
}

function speedupOf(runs: SpeedRun[], fast: SpeedRun | undefined): SpeedupRecord | null {
  const full = runs.find((r) => r.plan.method === 'full');
  if (!full || !fast) return null;
  const ratio = ratioOfMedians(full.stepMs, fast.stepMs);
  const ideal = idealSpeedup(full.plan, fast.plan);
  return {
    measured: ratio.median,
    low: ratio.low,
    high: ratio.high,
    ideal,
    ofIdeal: ratio.median / ideal,
  };
}

/** ELO {first,last} and freeze-tune over full CP per model; the headline is the LLM-like one. */
export function speedups(speed: SpeedByModel): BenchResults['speedup'] {
  const byModel: NonNullable<BenchResults['speedup']>['byModel'] = {};
  for (const [key, m] of [
    ['demo', DEMO_MODEL],
    ['llmLike', LLM_LIKE_MODEL],
  ] as const) {
    const runs = speed[key];
    const firstLast = `0,${m.config.numHiddenLayers - 1}`;
    const elo = speedupOf(
      runs,
      runs.find((r) => r.plan.method === 'elo' && r.plan.layers.join() === firstLast),
    );
    const freeze = speedupOf(
      runs,
      runs.find((r) => r.plan.method === 'freeze-tune'),
    );
    if (elo && freeze) byModel[key] = { ...elo, freezeTune: freeze };
  }
  const headline = byModel.llmLike ?? byModel.demo;
  if (!headline) return null;
  const model = byModel.llmLike ? LLM_LIKE_MODEL.name : DEMO_MODEL.name;
  return { ...headline, model, byModel };
}

/** One row per ablation λ with the speed and/or quality the run measured for it. */
export function ablationRows(
  speed: SpeedByModel,
  ablationRuns: ReadonlyMap<string, QualityRun>,
): BenchResults['ablation'] {
  const n = DEMO_MODEL.config.numHiddenLayers;
  const full = speed.demo.find((r) => r.plan.method === 'full');
  return ABLATION_LAYERS.flatMap((a) => {
    const layers = a.layers(n);
    const r = speed.demo.find(
      (x) => x.plan.method === 'elo' && x.plan.layers.join() === layers.join(),
    );
    const q = ablationRuns.get(a.name);
    if (!r && !q) return [];
    return [
      {
        label: a.name,
        layers,
        stepMs: r?.stepMs ?? { n: 0, min: NaN, median: NaN, max: NaN },
        speedupVsFull: r && full ? full.stepMs.median / r.stepMs.median : NaN,
        idealSpeedupVsFull: r && full ? idealSpeedup(full.plan, r.plan) : NaN,
        bpb: q?.bpb ?? {},
        finalLoss: q?.finalLoss ?? null,
      },
    ];
  });
}

/** Training FLOP/s (full CP, the LLM-like model when it ran) against the matMul and BLAS rates. */
export function engineRates(
  speed: SpeedByModel,
  matmul: MatMulRate[],
  blas: BlasRate | null,
): BenchResults['engine'] {
  if (!matmul.length) return null;
  const trained = (['llmLike', 'demo'] as const)
    .map((key) => speed[key].find((r) => r.plan.method === 'full'))
    .find((r) => r !== undefined);
  return {
    trainFlops: trained?.achievedFlopsPerSec ?? NaN,
    trainFlopsBest: trained ? trained.plan.flops.total / (trained.stepMs.min / 1000) : NaN,
    matmulFlops: Math.max(...matmul.map((m) => m.rate.max)),
    blasFlops: blas?.flopsPerSec ?? null,
    blasFlopsOneThread: blas?.flopsPerSecOneThread ?? null,
    matmul,
    blas: blas ?? { available: false, reason: 'section failed' },
  };
}
