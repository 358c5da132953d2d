/** Deterministic token ids in [2, vocab): what the scale bench trains and evaluates on (speed and
 * memory do not depend on the text; random-weight models have no quality to measure). */
export function pseudoTokens(n: number, vocab: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = 2 + (x % (vocab - 2));
  }
  return out;
}
