// Figures over several seeds: mean and spread (min–max), and verdicts that are given only where
// the difference between two figures exceeds their spread — one seed cannot tell a real gap from
// the noise of data order, and three cannot either when their ranges overlap this much.

export interface Spread {
  mean: number;
  min: number;
  max: number;
  n: number;
}

export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spreadOf: no values');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Half the min–max range: how far one seed's figure strays from the middle. */
export const halfRange = (s: Spread) => (s.max - s.min) / 2;

export type Comparison = 'lower' | 'higher' | 'within spread';

/**
 * `a` against `b`: lower or higher only when the means differ by more than the two half-ranges
 * together (the ranges around the means do not overlap); otherwise no verdict.
 */
export function compare(a: Spread, b: Spread): { diff: number; margin: number; says: Comparison } {
  const diff = a.mean - b.mean;
  const margin = halfRange(a) + halfRange(b);
  return {
    diff,
    margin,
    says: Math.abs(diff) <= margin ? 'within spread' : diff < 0 ? 'lower' : 'higher',
  };
}

export type Verdict = 'met' | 'missed' | 'not resolved';

/** "a no worse (no higher) than b": met where lower, missed where higher beyond the spread. */
export function noWorse(a: Spread, b: Spread): Verdict {
  const c = compare(a, b).says;
  return c === 'within spread' ? 'not resolved' : c === 'lower' ? 'met' : 'missed';
}

/** "a at least `target`": met or missed only where the whole range lies on one side. */
export function atLeast(a: Spread, target: number): Verdict {
  if (a.min >= target) return 'met';
  if (a.max < target) return 'missed';
  return 'not resolved';
}

/** Each value's spread in one line: "2.512 (2.498–2.530)". */
export function fmtSpread(s: Spread, digits = 3): string {
  return `${s.mean.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
