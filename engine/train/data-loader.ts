// Packed-sequence batches over a token stream, in a seeded order that a checkpoint can resume.
//
// The stream is cut into rows of seqLen+1 tokens overlapping by one (inputs = first seqLen,
// labels = last seqLen). Row order is a fresh seeded permutation each epoch. With an EOS id, rows
// carry document ids (a new document starts after each EOS) and a target that crosses a document
// boundary (the token after EOS) is ignored — see model/attention-mask.ts.
import { IGNORE_INDEX, type TokenBatch } from '../batch.js';
import { Prng, type PrngState } from '../prng.js';

export interface DataLoaderOptions {
  seqLen: number;
  batchSize: number;
  seed: number;
  /** Marks document ends; absent: the stream is one document. */
  eosTokenId?: number;
  /** Keep the stream order (eval-style); default: shuffle rows each epoch. */
  shuffle?: boolean;
}

/** Where the loader stands: enough to rebuild its exact future. */
export interface DataLoaderState {
  epoch: number;
  /** Next row within this epoch's permutation. */
  index: number;
  /** PRNG state at the start of this epoch (the permutation is redrawn from it). */
  epochRngState: PrngState;
}

export class PackedDataLoader {
  readonly numRows: number;
  private readonly rng: Prng;
  private epochRngState: PrngState;
  private order: Int32Array = new Int32Array(0);
  private epoch = 0;
  private index = 0;

  constructor(
    private readonly tokens: ArrayLike<number>,
    readonly opts: DataLoaderOptions,
  ) {
    this.numRows = Math.floor((tokens.length - 1) / opts.seqLen);
    if (this.numRows < 1) {
      throw new Error(`need more than ${opts.seqLen} tokens for one row, got ${tokens.length}`);
    }
    this.rng = new Prng(opts.seed);
    this.epochRngState = this.rng.getState();
    this.drawOrder();
  }

  private drawOrder(): void {
    const rows = Array.from({ length: this.numRows }, (_, i) => i);
    if (this.opts.shuffle !== false) this.rng.shuffle(rows);
    this.order = Int32Array.from(rows);
  }

  getState(): DataLoaderState {
    return { epoch: this.epoch, index: this.index, epochRngState: [...this.epochRngState] };
  }

  setState(state: DataLoaderState): void {
    this.epoch = state.epoch;
    this.index = state.index;
    this.epochRngState = [...state.epochRngState];
    this.rng.setState(state.epochRngState);
    this.drawOrder();
  }

  private nextRow(): number {
    if (this.index >= this.numRows) {
      this.epoch++;
      this.index = 0;
      this.epochRngState = this.rng.getState();
      this.drawOrder();
    }
    return this.order[this.index++]!;
  }

  /** The next batchSize rows. */
  next(): TokenBatch {
    const { seqLen: T, batchSize: B, eosTokenId } = this.opts;
    const inputIds = new Int32Array(B * T);
    const labels = new Int32Array(B * T);
    const docIds = eosTokenId === undefined ? undefined : new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const start = this.nextRow() * T;
      let doc = 0;
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        const token = this.tokens[start + t]!;
        inputIds[i] = token;
        labels[i] = this.tokens[start + t + 1]!;
        if (docIds) {
          docIds[i] = doc;
          if (token === eosTokenId) {
            labels[i] = IGNORE_INDEX; // the next document's first token is not predictable here
            doc++;
          }
        }
      }
    }
    return docIds
      ? { batchSize: B, seqLen: T, inputIds, labels, docIds }
      : { batchSize: B, seqLen: T, inputIds, labels };
  }
}
