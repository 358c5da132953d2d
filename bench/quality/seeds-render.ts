// docs/benchmarks/quality-seeds.md from the seeds bench's results: every figure as mean (min–max
// over seeds), the comparisons with their margins, and the paper's four targets judged by the
// rule in seed-stats.ts (a verdict only where a difference exceeds the spread).
import type { Bpb, QualityRun } from '../quality.js';
import {
  type Comparison,
  compare,
  fmtSpread,
  noWorse,
  type Spread,
  spreadOf,
  atLeast,
  type Verdict,
} from './seed-stats.js';
import type { SeedRun, SeedsResults } from './seeds.js';

type Pick = (s: SeedRun) => { bpb: Bpb; steps: number; wallMs: number };

const run = (r: QualityRun) => ({ bpb: r.bpb, steps: r.steps, wallMs: r.wallMs });
const aligned = (r: QualityRun) => ({
  bpb: r.aligned!.bpb,
  steps: r.steps,
  wallMs: r.wallMs + r.aligned!.wallMs,
});

/** The rows of each budget: label -> the figure of one seed. */
export const EQUAL_TOKENS: [string, Pick][] = [
  ['full CP', (s) => run(s.equalTokens[0]!)],
  ['freeze-tune {first,last}', (s) => run(s.equalTokens[1]!)],
  ['ELO {first,last}', (s) => run(s.equalTokens[2]!)],
  ['ELO {first,last} + alignment', (s) => aligned(s.equalTokens[2]!)],
  ['ELO +emb', (s) => run(s.equalTokens[3]!)],
  ['ELO +emb + alignment', (s) => aligned(s.equalTokens[3]!)],
];
export const EQUAL_WALL_CLOCK: [string, Pick][] = [
  ['full CP', (s) => run(s.equalWallClock.runs[0]!)],
  ['freeze-tune {first,last}', (s) => run(s.equalWallClock.runs[1]!)],
  ['ELO {first,last}', (s) => run(s.equalWallClock.runs[2]!)],
  ['ELO {first,last} + alignment', (s) => aligned(s.equalWallClock.runs[2]!)],
  ['ELO +emb', (s) => run(s.equalWallClock.runs[3]!)],
  ['ELO +emb + alignment', (s) => aligned(s.equalWallClock.runs[3]!)],
];

const over = (r: SeedsResults, f: (s: SeedRun) => number): Spread => spreadOf(r.seeds.map(f));
const bpbOf = (r: SeedsResults, pick: Pick, lang: string) => over(r, (s) => pick(s).bpb[lang]!);
const rowOf = (rows: [string, Pick][], label: string) => rows.find(([l]) => l === label)![1];

/** Training-time speedup of ELO {first,last} over full CP per seed (equal tokens). */
export function speedups(r: SeedsResults): Spread {
  return over(r, (s) => {
    const [full, , elo] = s.equalTokens;
    return full!.trainMs / full!.tokens / (elo!.trainMs / elo!.tokens);
  });
}

export interface TargetRow {
  target: string;
  measured: string;
  verdict: Verdict;
}

export function judgeSeedTargets(r: SeedsResults): TargetRow[] {
  const t = r.target;
  const src = r.source;
  const sp = speedups(r);
  const fullWc = rowOf(EQUAL_WALL_CLOCK, 'full CP');
  const rows: TargetRow[] = [
    {
      target: 'ELO {first,last} trains >= 5x faster than full CP (tokens/s)',
      measured: `${fmtSpread(sp, 2)}x; FLOP-model ideal ${r.idealSpeedup.toFixed(2)}x`,
      verdict: atLeast(sp, 5),
    },
  ];
  for (const label of ['ELO {first,last} + alignment', 'ELO +emb + alignment']) {
    const elo = bpbOf(r, rowOf(EQUAL_WALL_CLOCK, label), t);
    const full = bpbOf(r, fullWc, t);
    rows.push({
      target: `${label}: ${t} bpb no worse than full CP at equal wall-clock`,
      measured: `${fmtSpread(elo)} vs ${fmtSpread(full)}`,
      verdict: noWorse(elo, full),
    });
  }
  for (const label of ['ELO {first,last} + alignment', 'ELO +emb + alignment']) {
    const delta = (pick: Pick, k: number) =>
      over(r, (s) => k * (pick(s).bpb[src]! - r.base.bpb[src]!));
    const elo = delta(rowOf(EQUAL_WALL_CLOCK, label), 1);
    const half = delta(fullWc, 0.5);
    rows.push({
      target: `${label}: ${src} regression <= half of full CP's (equal wall-clock)`,
      measured: `Δ${src} ${fmtSpread(elo)} vs allowed ${fmtSpread(half)}`,
      verdict: noWorse(elo, half),
    });
  }
  const abl = ablationSpreads(r);
  const best = abl.reduce((a, b) => (b.ko.mean < a.ko.mean ? b : a));
  const fl = abl.find((a) => a.name === 'first+last')!;
  const c = compare(fl.ko, best.ko);
  rows.push({
    target: `first+last best, or within the spread of the best (${t} bpb, ELO without alignment)`,
    measured:
      fl === best
        ? `first+last best: ${fmtSpread(fl.ko)}`
        : `best ${best.name} ${fmtSpread(best.ko)}; first+last ${fmtSpread(fl.ko)}`,
    verdict: fl === best || c.says === 'within spread' ? 'met' : 'missed',
  });
  return rows;
}

export function ablationSpreads(
  r: SeedsResults,
): { name: string; layers: number[]; ko: Spread; en: Spread }[] {
  return r.seeds[0]!.ablation.map(([name, first], i) => ({
    name,
    layers: first.layers,
    ko: over(r, (s) => s.ablation[i]![1].bpb[r.target]!),
    en: over(r, (s) => s.ablation[i]![1].bpb[r.source]!),
  }));
}

/** Pairs worth a sentence: [budget, a, b, language]. */
const PAIRS: ['tokens' | 'wall-clock', string, string, 'target' | 'source'][] = [
  ['tokens', 'ELO {first,last} + alignment', 'ELO {first,last}', 'target'],
  ['tokens', 'ELO {first,last} + alignment', 'ELO {first,last}', 'source'],
  ['tokens', 'ELO +emb', 'ELO {first,last}', 'target'],
  ['tokens', 'freeze-tune {first,last}', 'ELO {first,last}', 'target'],
  ['tokens', 'ELO {first,last}', 'full CP', 'target'],
  ['tokens', 'ELO +emb + alignment', 'full CP', 'target'],
  ['wall-clock', 'ELO {first,last} + alignment', 'full CP', 'target'],
  ['wall-clock', 'ELO +emb + alignment', 'full CP', 'target'],
  ['wall-clock', 'freeze-tune {first,last}', 'full CP', 'target'],
  ['wall-clock', 'ELO {first,last} + alignment', 'full CP', 'source'],
];

export function comparisons(r: SeedsResults) {
  return PAIRS.map(([budget, a, b, which]) => {
    const rows = budget === 'tokens' ? EQUAL_TOKENS : EQUAL_WALL_CLOCK;
    const lang = which === 'target' ? r.target : r.source;
    const c = compare(bpbOf(r, rowOf(rows, a), lang), bpbOf(r, rowOf(rows, b), lang));
    return { budget, a, b, lang, ...c };
  });
}

const SAYS: Record<Comparison, string> = {
  lower: 'lower (better)',
  higher: 'higher (worse)',
  'within spread': 'within the spread: no verdict',
};

function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderSeeds(r: SeedsResults, resultsFile: string): string {
  const t = r.target;
  const s = r.source;
  const budgetTable = (rows: [string, Pick][]) =>
    table(
      ['method', 'steps', 'wall s', `${t} bpb`, `${s} bpb`, `Δ${t} vs base`, `Δ${s} vs base`],
      rows.map(([label, pick]) => {
        const ko = bpbOf(r, pick, t);
        const en = bpbOf(r, pick, s);
        const steps = over(r, (x) => pick(x).steps);
        return [
          label,
          steps.min === steps.max ? String(steps.min) : `${steps.min}–${steps.max}`,
          over(r, (x) => pick(x).wallMs / 1000).mean.toFixed(1),
          fmtSpread(ko),
          fmtSpread(en),
          (ko.mean - r.base.bpb[t]!).toFixed(3),
          (en.mean - r.base.bpb[s]!).toFixed(3),
        ];
      }),
    );
  const out = [
    '# Quality over seeds',
    '',
    `_Generated by \`node dist/bench/quality/seeds.js\` into [\`${resultsFile}\`](../../${resultsFile}); do not edit by hand._`,
    '',
    `Base \`${r.baseModel}\` (${r.model.layers} layers, d=${r.model.hiddenSize}, ${(r.model.params / 1e6).toFixed(2)}M parameters): ` +
      `${t} ${r.base.bpb[t]!.toFixed(3)} bpb, ${s} ${r.base.bpb[s]!.toFixed(3)} bpb on the held-out install-guide ` +
      `(first ${r.evalTokens} tokens per language). ${r.seeds.length} seeds (the seed orders the training and ` +
      `alignment data); every figure is the mean with the min–max over seeds. ${r.steps} steps x ` +
      `${r.tokensPerStep} tokens at equal tokens, peak LR ${r.peakLr}; alignment ${r.alignSteps} full ` +
      `steps. Equal wall-clock: full CP's wall time per seed is the budget. Run ${r.startedAt} – ${r.endedAt}.`,
    '',
    'A difference gets a verdict only where it exceeds the spread: |mean a − mean b| > half the ' +
      'range of a + half the range of b (the ranges around the means do not overlap).',
    '',
    '## Paper targets',
    '',
    table(
      ['target', 'measured', 'verdict'],
      judgeSeedTargets(r).map((x) => [x.target, x.measured, `**${x.verdict}**`]),
    ),
    '',
    '## Equal tokens',
    '',
    budgetTable(EQUAL_TOKENS),
    '',
    '## Equal wall-clock',
    '',
    budgetTable(EQUAL_WALL_CLOCK),
    '',
    '## Comparisons',
    '',
    table(
      ['budget', 'a', 'b', 'lang', 'a − b', 'margin', 'says'],
      comparisons(r).map((c) => [
        c.budget,
        c.a,
        c.b,
        c.lang,
        c.diff.toFixed(3),
        c.margin.toFixed(3),
        SAYS[c.says],
      ]),
    ),
    '',
    '## Layer ablation (ELO without alignment, equal tokens)',
    '',
    table(
      ['λ', 'layers', `${t} bpb`, `${s} bpb`],
      ablationSpreads(r).map((a) => [
        a.name,
        a.layers.join(', '),
        fmtSpread(a.ko),
        fmtSpread(a.en),
      ]),
    ),
    '',
  ];
  return out.join('\n');
}
