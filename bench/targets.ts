// The acceptance targets of issue 7 and the paper's claims, judged from a results file's
// measured figures: pure functions, unit-tested.
import { eloRuns, qualityRun, type BenchResults } from './results.js';

export interface TargetInput {
  /** ELO speedup over full CP, measured and FLOP-model ideal (the LLM-like model). */
  speedup: { measured: number; ideal: number } | null;
  /** Held-out bits per byte per language. */
  base: Record<string, number> | null;
  fullCp: Record<string, number> | null;
  /** ELO variants after layer alignment, at full CP's wall-clock budget (each judged). */
  elo: { label: string; aligned: Record<string, number>; wallMs?: number }[];
  /** Full CP's wall time: the equal-wall-clock budget the variants' step counts were fitted to. */
  budgetMs?: number;
  target: string;
  source: string;
  orchestrationOverhead: number | null;
  /**
   * Pipeline vs direct at the rounds' extremes (fastest pipeline / slowest direct - 1, and the
   * other way round): with few minute-long rounds on a shared machine, the median alone can land
   * either side of 5% by chance.
   */
  orchestrationRange?: { best: number; worst: number };
}

export interface TargetResult {
  id: string;
  /** The ELO variant a quality target was judged on (one row per variant). */
  variant?: string;
  target: string;
  /** A sentence with the measured figures. */
  measured: string;
  met: boolean | null; // null: not measured in this run, or not resolved by it
  /** Measured, but the run-to-run spread spans the target: neither met nor missed. */
  unresolved?: true;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const f3 = (x: number) => x.toFixed(3);

/** English regression allowed to ELO: half of full CP's, and none when full CP has none. */
export function allowedRegression(fullRegression: number): number {
  return Math.max(0, fullRegression) / 2;
}

export function judgeTargets(i: TargetInput): TargetResult[] {
  const out: TargetResult[] = [];
  if (i.speedup) {
    const share = i.speedup.measured / i.speedup.ideal;
    out.push({
      id: 'speedup-vs-ideal',
      target: 'ELO speedup >= 90% of the FLOP-model ideal',
      measured: `${i.speedup.measured.toFixed(2)}x of an ideal ${i.speedup.ideal.toFixed(2)}x = ${pct(share)}`,
      met: share >= 0.9,
    });
  } else
    out.push({
      id: 'speedup-vs-ideal',
      target: 'ELO speedup >= 90% of the FLOP-model ideal',
      measured: 'not measured',
      met: null,
    });
  const t = i.target;
  const s = i.source;
  const targetText = `after alignment, ${t} bits per byte no worse than full CP at equal wall-clock`;
  const sourceText = `${s} bits-per-byte regression no more than half of full CP's`;
  if (i.fullCp && i.base && i.elo.length > 0) {
    const f = i.fullCp[t]!;
    const fullReg = i.fullCp[s]! - i.base[s]!;
    for (const v of i.elo) {
      const e = v.aligned[t]!;
      // Step counts are fitted to the budget from measured speed; the time a run really took
      // follows the machine's load, so say it.
      const used =
        v.wallMs !== undefined && i.budgetMs
          ? `; it used ${(v.wallMs / 1000).toFixed(1)} s of the ${(i.budgetMs / 1000).toFixed(1)} s budget`
          : '';
      out.push({
        id: 'target-bpb',
        variant: v.label,
        target: targetText,
        measured: `${v.label} + alignment ${f3(e)} vs full CP ${f3(f)} (base ${f3(i.base[t]!)})${used}`,
        met: e <= f,
      });
      const eloReg = v.aligned[s]! - i.base[s]!;
      out.push({
        id: 'source-regression',
        variant: v.label,
        target: sourceText,
        measured: `${v.label} + alignment ${signed(eloReg)} vs full CP ${signed(fullReg)} (allowed ${signed(allowedRegression(fullReg))})`,
        met: eloReg <= allowedRegression(fullReg),
      });
    }
  } else {
    out.push({ id: 'target-bpb', target: targetText, measured: 'not measured', met: null });
    out.push({ id: 'source-regression', target: sourceText, measured: 'not measured', met: null });
  }
  out.push(judgeOverhead(i.orchestrationOverhead, i.orchestrationRange));
  return out;
}

function judgeOverhead(
  median: number | null,
  range: TargetInput['orchestrationRange'],
): TargetResult {
  const base = { id: 'orchestration-overhead', target: 'orchestration overhead <= 5%' };
  if (median === null) return { ...base, measured: 'not measured', met: null };
  if (!range) return { ...base, measured: pct(median), met: median <= 0.05 };
  const measured = `${pct(median)} (median); ${pct(range.best)} to ${pct(range.worst)} at the rounds' extremes`;
  if (range.worst <= 0.05) return { ...base, measured, met: true };
  if (range.best > 0.05) return { ...base, measured, met: false };
  return {
    ...base,
    measured: `${measured}: the run-to-run spread spans the 5% line`,
    met: null,
    unresolved: true,
  };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(3)} bpb`;
}

/**
 * The judged figures of a results file: the speedup, the equal-wall-clock runs (full CP and
 * every ELO variant, read by method) and the orchestration overhead. The docs re-judge a
 * file with this, so a verdict's wording can improve without re-measuring.
 */
export function targetInputOf(
  r: Pick<BenchResults, 'speedup' | 'quality' | 'overhead'>,
): TargetInput {
  const q = r.quality;
  const wc = q?.equalWallClock.runs ?? [];
  const o = r.overhead.orchestrationDetail;
  return {
    speedup: r.speedup ? { measured: r.speedup.measured, ideal: r.speedup.ideal } : null,
    base: q?.base.bpb ?? null,
    fullCp: qualityRun(wc, 'full')?.bpb ?? null,
    elo: eloRuns(wc).flatMap((x) =>
      x.aligned
        ? [{ label: x.label, aligned: x.aligned.bpb, wallMs: x.wallMs + x.aligned.wallMs }]
        : [],
    ),
    ...(q ? { budgetMs: q.equalWallClock.budgetMs } : {}),
    target: q?.target ?? 'target',
    source: q?.source ?? 'source',
    orchestrationOverhead: r.overhead.orchestration,
    ...(o
      ? {
          orchestrationRange: {
            best: o.pipelineMs.min / o.directMs.max - 1,
            worst: o.pipelineMs.max / o.directMs.min - 1,
          },
        }
      : {}),
  };
}
