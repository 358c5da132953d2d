// Which writing systems a language uses, as Unicode Script property names: data, not code, so a
// new language is a new `{code, scripts}` entry (`ko`: Hangul (+Han for hanja); `ja`: Han,
// Hiragana, Katakana; `en`: Latin).
import { DataPrepError } from './errors.js';

/** Letters and marks count; digits, punctuation, symbols and whitespace are script-neutral. */
const COUNTED = /[\p{L}\p{M}]/u;

export interface ScriptMatcher {
  readonly scripts: readonly string[];
  /** Share of counted characters (letters and marks) in one of `scripts`; 0 when none count. */
  share(text: string): number;
}

/** Builds a matcher; an unknown script name is an error naming it (and `field`). */
export function scriptMatcher(scripts: readonly string[], field = 'scripts'): ScriptMatcher {
  if (scripts.length === 0) throw new DataPrepError('needs at least one script name', field);
  for (const s of scripts) {
    if (!/^[A-Za-z_]+$/.test(s)) throw new DataPrepError(`"${s}" is not a script name`, field);
    try {
      new RegExp(`\\p{Script=${s}}`, 'u');
    } catch {
      throw new DataPrepError(
        `"${s}" is not a Unicode script (use names like Latin, Hangul, Han, Hiragana, Katakana, Cyrillic)`,
        field,
      );
    }
  }
  const inScript = new RegExp(`[${scripts.map((s) => `\\p{Script=${s}}`).join('')}]`, 'u');
  return {
    scripts: [...scripts],
    share(text: string): number {
      let counted = 0;
      let matched = 0;
      for (const ch of text) {
        if (!COUNTED.test(ch)) continue;
        counted++;
        if (inScript.test(ch)) matched++;
      }
      return counted === 0 ? 0 : matched / counted;
    },
  };
}
