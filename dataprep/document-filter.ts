// Per-document filters, in order; the first that fails names the drop reason in the stats.
import type { ScriptMatcher } from './scripts.js';

export type DropReason = 'tooShort' | 'script';

export interface DocumentFilter {
  minChars: number;
  minScriptShare: number;
  matcher: ScriptMatcher;
}

/** Undefined when the (normalized) document is kept. */
export function dropReason(text: string, f: DocumentFilter): DropReason | undefined {
  // Code points, not UTF-16 units, so a Hangul or emoji document is not measured twice.
  let chars = 0;
  for (const _ of text) if (++chars >= f.minChars) break;
  if (chars === 0 || chars < f.minChars) return 'tooShort';
  if (f.matcher.share(text) < f.minScriptShare) return 'script';
  return undefined;
}
