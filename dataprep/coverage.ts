// How well a base model covers the target language, measured before training: tokens per UTF-8
// byte of the target's text against the source languages' (with the base's tokenizer), and where
// known the base's bits per byte on each. A byte-level BPE that never saw a script falls back to
// about one token per byte, and a model that never saw it is near chance there: ELO's default
// (embeddings and head frozen) then has no usable token representations to build on.

/** One language's text under the base's tokenizer (and model, where measured). */
export interface LanguageCoverage {
  lang: string;
  bytes: number;
  tokens: number;
  bitsPerByte?: number;
}

/** At or above this, the tokenizer is splitting the target into bytes: it never learned it. */
export const UNSEEN_TOKENS_PER_BYTE = 0.75;
/** Target against the sources' mean: this many times the tokens per byte, or the bits per byte. */
export const UNSEEN_RATIO = 2.5;

export interface CoverageAssessment {
  target: LanguageCoverage & { tokensPerByte: number };
  sources: (LanguageCoverage & { tokensPerByte: number })[];
  /** Target tokens/byte over the sources' mean. */
  tokensPerByteRatio: number;
  /** Target bits/byte over the sources' mean, where both were measured. */
  bitsPerByteRatio?: number;
  /** The target is essentially unseen: frozen embeddings cannot learn it. */
  unseen: boolean;
  /** The measurements that made it unseen, as phrases. */
  why: string[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Undefined when the target or every source is missing or has no text. */
export function assessCoverage(
  target: string,
  langs: readonly LanguageCoverage[],
): CoverageAssessment | undefined {
  const withRate = langs
    .filter((l) => l.bytes > 0)
    .map((l) => ({ ...l, tokensPerByte: l.tokens / l.bytes }));
  const t = withRate.find((l) => l.lang === target);
  const sources = withRate.filter((l) => l.lang !== target);
  if (!t || sources.length === 0) return undefined;
  const srcRate = mean(sources.map((s) => s.tokensPerByte));
  const tokensPerByteRatio = t.tokensPerByte / srcRate;
  const srcBpb = sources.flatMap((s) => (s.bitsPerByte === undefined ? [] : [s.bitsPerByte]));
  const bitsPerByteRatio =
    t.bitsPerByte !== undefined && srcBpb.length > 0 ? t.bitsPerByte / mean(srcBpb) : undefined;
  const why: string[] = [];
  if (t.tokensPerByte >= UNSEEN_TOKENS_PER_BYTE)
    why.push(`${t.tokensPerByte.toFixed(2)} tokens per byte (byte fallback is about 1)`);
  else if (tokensPerByteRatio >= UNSEEN_RATIO)
    why.push(`${tokensPerByteRatio.toFixed(1)}x the sources' tokens per byte`);
  if (bitsPerByteRatio !== undefined && bitsPerByteRatio >= UNSEEN_RATIO)
    why.push(
      `base ${t.bitsPerByte!.toFixed(2)} bits per byte, ${bitsPerByteRatio.toFixed(1)}x the sources'`,
    );
  return {
    target: t,
    sources,
    tokensPerByteRatio,
    ...(bitsPerByteRatio !== undefined ? { bitsPerByteRatio } : {}),
    unseen: why.length > 0,
    why,
  };
}

/** The figures in one line: "ko 0.181 tokens/byte (2.20 bpb) vs en 0.241 (2.40 bpb)". */
export function coverageFigures(a: CoverageAssessment): string {
  const one = (l: CoverageAssessment['target']) =>
    `${l.lang} ${l.tokensPerByte.toFixed(3)} tokens/byte` +
    (l.bitsPerByte !== undefined ? ` (${l.bitsPerByte.toFixed(2)} bits/byte)` : '');
  return `${one(a.target)} vs ${a.sources.map(one).join(', ')}`;
}

/** The warning users see where the target is essentially unseen. */
export function unseenTargetWarning(
  a: CoverageAssessment,
  /** trainEmbeddings: the run's setting, where known (the report does not know it). */
  opts: { trainEmbeddings?: boolean; cost?: string },
): string {
  const advice =
    opts.trainEmbeddings === true
      ? 'elo.train.trainEmbeddings is on, as it must be here'
      : opts.trainEmbeddings === false
        ? 'set elo.train.trainEmbeddings: true (embeddings and the tied head then train with λ)'
        : 'train the embeddings (elo.train.trainEmbeddings: true) where this run did not';
  return (
    `the base model has essentially not seen ${a.target.lang} (${a.why.join('; ')}; ` +
    `${coverageFigures(a)}). With frozen embeddings (ELO's default) it cannot learn it: ` +
    `${advice}${opts.cost ? `; that costs ${opts.cost}` : ''}.`
  );
}
