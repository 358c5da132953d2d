// What prepare-data reports (into stats.json and the stage's manifest): per language, what was
// read, what each filter dropped, and what went into each split.

export interface TextCounts {
  documents: number;
  /** UTF-8 bytes of the normalized document texts (separators excluded): bits-per-byte's divisor. */
  bytes: number;
  /** Tokens, one separator per document included. */
  tokens: number;
}

export interface DropCounts {
  tooShort: number;
  script: number;
  duplicate: number;
}

export interface EvalSetStats extends TextCounts {
  shard: string;
  read: number;
  dropped: DropCounts & {
    /** Exact copies of a training or validation document (contamination). */
    inTrain: number;
  };
}

export interface LanguageStats {
  scripts: string[];
  /** Training sources as read, before filters. */
  read: { documents: number; bytes: number };
  dropped: DropCounts;
  /** Kept documents on the train side of the split: what the mix can draw from. */
  available: TextCounts;
  validation: TextCounts & { shard?: string };
  /** What the training mix took. */
  mixed?: { documents: number; tokens: number; share: number; truncatedDocuments: number };
  eval: Record<string, EvalSetStats>;
}

export interface PrepareDataStats {
  format: 'elo-prepare-data-stats';
  version: 1;
  tokenizerHash: string;
  vocabSize: number;
  eosTokenId: number;
  seqLen: number;
  seed: number;
  validationFraction: number;
  /** Requested token shares (normalized). */
  mix: Record<string, number>;
  trainTokens: number;
  trainShards: string[];
  languages: Record<string, LanguageStats>;
}
