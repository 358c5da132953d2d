// Content hashes decide everything random about a document (duplicate, split, order), so a
// document's fate does not depend on which other documents are present or in what order.
import { createHash } from 'node:crypto';

/** sha256 hex of normalized text: the exact-duplicate key. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A uniform number in [0, 1) from (purpose, seed, hash): 52 bits of sha256. */
export function hashUniform(purpose: string, seed: number, hash: string): number {
  const h = createHash('sha256').update(`${purpose}:${seed}:${hash}`).digest();
  return (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

/** Validation iff the document's uniform draw falls below the fraction. */
export function isValidation(hash: string, seed: number, fraction: number): boolean {
  return hashUniform('split', seed, hash) < fraction;
}
