// Vega-Lite specs of the benchmark page's plots (rendered to SVG by reports/plots.ts).
import type * as vl from 'vega-lite';
import type { BenchResults } from './results.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Training throughput per method, one panel per model. */
export function speedSpec(r: BenchResults): vl.TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Training throughput (tokens/s, median of repetitions; higher is better)',
    data: {
      values: r.runs.map((x) => ({
        model: r.models[x.model].name,
        method: x.label,
        tokensPerSec: x.tokensPerSec,
      })),
    },
    mark: 'bar',
    encoding: {
      row: { field: 'model', type: 'nominal', title: null },
      y: { field: 'method', type: 'nominal', title: null, sort: null },
      x: { field: 'tokensPerSec', type: 'quantitative', title: 'tokens/s' },
      color: { field: 'method', type: 'nominal', legend: null, sort: null },
    },
    resolve: { scale: { y: 'independent' } },
    width: 420,
  };
}

/** Held-out bits per byte per method and language, at both budgets. */
export function qualitySpec(r: BenchResults): vl.TopLevelSpec {
  const q = r.quality!;
  const rows = (budget: string, runs: typeof q.equalTokens) =>
    runs.flatMap((run) => [
      ...Object.entries(run.bpb).map(([lang, bpb]) => ({ budget, model: run.label, lang, bpb })),
      ...(run.aligned
        ? Object.entries(run.aligned.bpb).map(([lang, bpb]) => ({
            budget,
            model: `${run.label} + alignment`,
            lang,
            bpb,
          }))
        : []),
    ]);
  return {
    $schema: SCHEMA,
    title: 'Held-out bits per byte (lower is better)',
    data: {
      values: [
        ...Object.entries(q.base.bpb).flatMap(([lang, bpb]) =>
          ['equal tokens', 'equal wall-clock'].map((budget) => ({
            budget,
            model: 'base',
            lang,
            bpb,
          })),
        ),
        ...rows('equal tokens', q.equalTokens),
        ...rows('equal wall-clock', q.equalWallClock.runs),
      ],
    },
    mark: 'bar',
    encoding: {
      row: { field: 'budget', type: 'nominal', title: null },
      column: { field: 'lang', type: 'nominal', title: null },
      x: { field: 'model', type: 'nominal', title: null, sort: null },
      y: { field: 'bpb', type: 'quantitative', title: 'bits per byte', scale: { zero: false } },
      color: { field: 'model', type: 'nominal', sort: null },
    },
    width: 200,
    height: 160,
  };
}

/** Layer choice: speedup over full CP against target-language quality. */
export function ablationSpec(r: BenchResults, target: string): vl.TopLevelSpec {
  const values = r.ablation
    .filter((a) => Number.isFinite(a.speedupVsFull) && a.bpb[target] !== undefined)
    .map((a) => ({
      layers: `${a.label} {${a.layers.join(',')}}`,
      speedup: a.speedupVsFull,
      bpb: a.bpb[target],
    }));
  return {
    $schema: SCHEMA,
    title: `Layer choice: speed vs ${target} bits per byte (before alignment)`,
    data: { values },
    layer: [
      { mark: { type: 'point', filled: true, size: 80 } },
      { mark: { type: 'text', align: 'left', dx: 6 }, encoding: { text: { field: 'layers' } } },
    ],
    encoding: {
      x: {
        field: 'speedup',
        type: 'quantitative',
        title: 'measured speedup over full CP',
        scale: { zero: false },
      },
      y: {
        field: 'bpb',
        type: 'quantitative',
        title: `${target} bits per byte`,
        scale: { zero: false },
      },
    },
    width: 420,
    height: 260,
  };
}

/** Training FLOP/s against the backend's matMul and the machine's BLAS. */
export function engineSpec(r: BenchResults): vl.TopLevelSpec {
  const e = r.engine!;
  const values = [
    ...r.runs
      .filter((x) => x.method !== 'elo' || x.layers.length === 2)
      .map((x) => ({
        what: `train: ${r.models[x.model].name} ${x.label}`,
        gflops: x.achievedFlopsPerSec / 1e9,
      })),
    { what: 'backend plain matMul (best)', gflops: e.matmulFlops / 1e9 },
    ...(e.blasFlopsOneThread
      ? [{ what: 'numpy BLAS, 1 thread', gflops: e.blasFlopsOneThread / 1e9 }]
      : []),
    ...(e.blasFlops ? [{ what: 'numpy BLAS, all threads', gflops: e.blasFlops / 1e9 }] : []),
  ];
  return {
    $schema: SCHEMA,
    title: 'FLOP/s (GFLOP/s, log scale)',
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'what', type: 'nominal', title: null, sort: null },
      x: { field: 'gflops', type: 'quantitative', title: 'GFLOP/s', scale: { type: 'log' } },
    },
    width: 420,
  };
}
