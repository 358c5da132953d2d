// The report's word on coverage: from the base model's own evaluation (tokens and bytes of each
// language's validation text under its tokenizer, and its bits per byte there), whether the base
// already knows the target a little, as ELO assumes, or has essentially not seen it.
import { assessCoverage, coverageFigures, unseenTargetWarning } from '../dataprep/coverage.js';
import type { ReportData } from './report-data.js';

export interface CoverageNote {
  unseen: boolean;
  text: string;
}

export function coverageNote(data: ReportData): CoverageNote | undefined {
  const base = data.evaluations.filter((e) => e.model === 'base' && e.set === 'validation');
  const a = assessCoverage(
    data.run.targetLanguage,
    base.map((e) => ({
      lang: e.lang,
      bytes: e.bytes,
      tokens: e.tokens,
      ...(e.bitsPerByte !== null ? { bitsPerByte: e.bitsPerByte } : {}),
    })),
  );
  if (!a) return undefined;
  return a.unseen
    ? { unseen: true, text: `Coverage warning: ${unseenTargetWarning(a, {})}` }
    : { unseen: false, text: `Coverage of the target by the base model: ${coverageFigures(a)}.` };
}
