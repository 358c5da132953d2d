// Repetition summaries and ratios: pure functions, unit-tested.

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    min: values.length ? Math.min(...values) : NaN,
    median: median(values),
    max: values.length ? Math.max(...values) : NaN,
  };
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** `a / b` of two summaries' medians, with the extremes the repetitions allow. */
export function ratioOfMedians(
  a: Summary,
  b: Summary,
): { median: number; low: number; high: number } {
  return { median: a.median / b.median, low: a.min / b.max, high: a.max / b.min };
}

/** Relative change `(after - before) / before`. */
export function relativeChange(before: number, after: number): number {
  return (after - before) / before;
}

/** Mean of the second half: steady state, after warm-up (kernel creation, WASM tier-up). */
export function secondHalfMean(values: readonly number[]): number {
  return mean(values.slice(Math.floor(values.length / 2)));
}
