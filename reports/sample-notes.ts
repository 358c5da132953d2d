// What a sample can show, said next to it: tiny models trained briefly continue text in the right
// script with frequent words, and little more. Read from the model's own held-out bits per byte
// on that language, so the note follows the figures rather than the model's name or size.
import type { ReportData } from './report-data.js';

/** Bits-per-byte bands, from "surface form only" to "fluent", and what each means for a reader. */
const BANDS: { below: number; says: string }[] = [
  { below: 1.2, says: 'fluent text is within reach; facts still need checking' },
  {
    below: 2,
    says: 'mostly well-formed phrases; it loses the thread within a sentence or two and states no reliable facts',
  },
  {
    below: 4,
    says: 'frequent words and phrases of its training text; sentences do not hold together, and nothing it says is to be trusted as fact or instruction',
  },
  {
    below: Infinity,
    says: 'next to no knowledge of this language: expect its script and common pieces, not words',
  },
];

export const SAMPLES_PREAMBLE =
  'The first sample per language is greedy, the others top-k sampled. They show surface form ' +
  '(script, frequent words, the domain of the training text), not ability: a model of this ' +
  "size cannot answer questions, follow instructions or keep facts; each note reads the model's " +
  'held-out bits per byte on that language (validation split).';

/** The validation bits per byte of `model` on `lang`, if the run evaluated it. */
function validationBpb(data: ReportData, model: string, lang: string): number | undefined {
  const e = data.evaluations.find(
    (x) => x.model === model && x.lang === lang && x.set === 'validation',
  );
  return e?.bitsPerByte ?? undefined;
}

/** One line for a sample's (model, language): its bits per byte and what that level can do. */
export function sampleNote(data: ReportData, model: string, lang: string): string | undefined {
  const bpb = validationBpb(data, model, lang);
  if (bpb === undefined) return undefined;
  const band = BANDS.find((b) => bpb < b.below)!;
  return `${bpb.toFixed(2)} bits/byte on ${lang}: ${band.says}.`;
}
