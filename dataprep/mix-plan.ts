// How many training tokens to take from each language: shares × budget, checked against what
// the sources hold. Pure, so the "not enough data" decision is made (and tested) before any
// shard is written.
import { NotEnoughDataError } from './errors.js';

export interface MixPlan {
  budget: number;
  /** Tokens to take per language; sums to `budget`. */
  tokens: Record<string, number>;
}

/**
 * `shares` sum to 1; `available` counts each language's train tokens (separators included).
 * Without a budget, the largest budget at which every language still has enough.
 */
export function planMix(
  shares: Record<string, number>,
  available: Record<string, number>,
  budget: number | undefined,
  seqLen: number,
): MixPlan {
  const langs = Object.keys(shares).sort();
  const total =
    budget ?? Math.min(...langs.map((l) => Math.floor((available[l] ?? 0) / shares[l]!)));
  const tokens: Record<string, number> = {};
  let assigned = 0;
  for (const [i, l] of langs.entries()) {
    // The last language takes the rounding remainder so the plan sums to the budget exactly.
    tokens[l] = i === langs.length - 1 ? total - assigned : Math.round(shares[l]! * total);
    assigned += tokens[l];
  }
  for (const l of langs) {
    const have = available[l] ?? 0;
    if (have < tokens[l]!) {
      throw new NotEnoughDataError(
        l,
        'train',
        have,
        tokens[l]!,
        `share ${shares[l]!.toFixed(3)} of a ${total}-token budget`,
      );
    }
  }
  for (const l of langs) {
    // Each language must fill at least one training row, or its share is noise.
    if (tokens[l]! < seqLen + 1) {
      throw new NotEnoughDataError(
        l,
        'train',
        tokens[l]!,
        seqLen + 1,
        `its share of the mix is shorter than one training row of seqLen + 1 tokens`,
      );
    }
  }
  return { budget: total, tokens };
}
