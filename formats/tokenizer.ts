// HF `tokenizer.json` tokenizers, run by @huggingface/tokenizers (pure JS, no native code, no
// network): the same files transformers uses, so token ids match the model's.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { sha256Json } from './sha256.js';
import { decodeWholeUtf8 } from './utf8-whole.js';

export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** sha256 of the canonical form of a tokenizer.json: formatting and key order do not count. */
export function tokenizerHash(tokenizerJson: unknown): string {
  return sha256Json(tokenizerJson);
}

export interface EncodeOptions {
  /** Add BOS/EOS etc. as the tokenizer's post-processor says; off by default (raw text). */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
}

/** A prompt and its continuation as text, split on a character boundary. */
export interface DecodedContinuation {
  prompt: string;
  completion: string;
}

/** GPT-2's byte-level alphabet inverted: the symbol a byte-level BPE piece uses -> that byte. */
const BYTE_OF_SYMBOL: ReadonlyMap<string, number> = (() => {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const m = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) m.set(String.fromCodePoint(printable(b) ? b : 256 + extra++), b);
  return m;
})();

interface AddedToken {
  content: string;
  special: boolean;
}

export class HfTokenizer {
  /** Size of the id space: one more than the largest id in the vocabulary or added tokens. */
  readonly vocabSize: number;
  readonly hash: string;
  private readonly tok: Tokenizer;
  /** The decoder maps pieces back to bytes (GPT-2 / Llama 3 style): pieces can split characters. */
  private readonly byteLevel: boolean;
  private readonly added = new Map<number, AddedToken>();

  private constructor(
    readonly file: string,
    json: Record<string, unknown>,
    config: Record<string, unknown>,
  ) {
    this.hash = tokenizerHash(json);
    this.vocabSize = idSpace(file, json);
    this.byteLevel = hasByteLevelDecoder(json.decoder);
    if (Array.isArray(json.added_tokens)) {
      for (const t of json.added_tokens as { id?: unknown; content?: unknown; special?: unknown }[])
        if (typeof t.id === 'number' && typeof t.content === 'string')
          this.added.set(t.id, { content: t.content, special: t.special === true });
    }
    try {
      this.tok = new Tokenizer(json, config);
    } catch (err) {
      throw new TokenizerError(file, `cannot build the tokenizer (${(err as Error).message})`);
    }
  }

  /** From parsed JSON (and the optional tokenizer_config.json content). */
  static fromJson(json: unknown, config: unknown = {}, file = 'tokenizer.json'): HfTokenizer {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TokenizerError(file, 'not a JSON object');
    }
    const model = (json as Record<string, unknown>).model;
    if (typeof model !== 'object' || model === null) {
      throw new TokenizerError(file, 'has no "model" section');
    }
    return new HfTokenizer(
      file,
      json as Record<string, unknown>,
      (config ?? {}) as Record<string, unknown>,
    );
  }

  /**
   * Loads `tokenizer.json` (a file, or a folder holding one); a sibling
   * `tokenizer_config.json` is used when present.
   */
  static async load(fileOrDir: string): Promise<HfTokenizer> {
    const stat = await fs.stat(fileOrDir).catch(() => undefined);
    if (!stat) throw new TokenizerError(fileOrDir, 'not found');
    const file = stat.isDirectory() ? path.join(fileOrDir, 'tokenizer.json') : fileOrDir;
    const json = await readJson(file, true);
    const config = await readJson(path.join(path.dirname(file), 'tokenizer_config.json'), false);
    return HfTokenizer.fromJson(json, config ?? {}, file);
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    return this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids;
  }

  decode(ids: readonly number[] | ArrayLike<number>, opts: DecodeOptions = {}): string {
    if (ids.length === 0) return ''; // the library rejects an empty list
    return this.tok.decode(Array.from(ids), {
      skip_special_tokens: opts.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: false,
    });
  }

  /**
   * A prompt and its continuation as clean text: only whole UTF-8 characters. A character split
   * between the prompt's last piece and the continuation's first goes to the continuation; an
   * incomplete character at the very end (generation stopped mid-character) is left out. Without
   * a byte-level decoder pieces are whole characters already and plain decode is used.
   */
  decodeContinuation(
    prompt: readonly number[],
    completion: readonly number[],
    opts: DecodeOptions = {},
  ): DecodedContinuation {
    if (!this.byteLevel)
      return { prompt: this.decode(prompt, opts), completion: this.decode(completion, opts) };
    const head = decodeWholeUtf8(this.pieceBytes(prompt, opts));
    const rest = this.pieceBytes(completion, opts);
    const joined = new Uint8Array(head.tail.length + rest.length);
    joined.set(head.tail);
    joined.set(rest, head.tail.length);
    return { prompt: head.text, completion: decodeWholeUtf8(joined).text };
  }

  /** The bytes byte-level pieces stand for; added tokens as their UTF-8 text. */
  private pieceBytes(ids: readonly number[], opts: DecodeOptions): Uint8Array {
    const out: number[] = [];
    for (const id of ids) {
      const added = this.added.get(id);
      if (added) {
        if (!(added.special && opts.skipSpecialTokens)) out.push(...Buffer.from(added.content));
        continue;
      }
      for (const symbol of this.tok.id_to_token(id) ?? '') {
        const b = BYTE_OF_SYMBOL.get(symbol);
        if (b !== undefined) out.push(b);
        else out.push(...Buffer.from(symbol)); // not of the byte alphabet: the text itself
      }
    }
    return Uint8Array.from(out);
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }
}

async function readJson(file: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenizerError(file, `unreadable (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(file, `not JSON (${(err as Error).message})`);
  }
}

function hasByteLevelDecoder(decoder: unknown): boolean {
  if (typeof decoder !== 'object' || decoder === null) return false;
  const d = decoder as { type?: unknown; decoders?: unknown };
  if (d.type === 'ByteLevel') return true;
  return d.type === 'Sequence' && Array.isArray(d.decoders) && d.decoders.some(hasByteLevelDecoder);
}

function idSpace(file: string, json: Record<string, unknown>): number {
  let max = -1;
  const model = json.model as Record<string, unknown>;
  const vocab = model.vocab;
  if (Array.isArray(vocab)) {
    max = vocab.length - 1; // Unigram: [[piece, score], ...]
  } else if (typeof vocab === 'object' && vocab !== null) {
    for (const id of Object.values(vocab)) if (typeof id === 'number' && id > max) max = id;
  }
  const added = json.added_tokens;
  if (Array.isArray(added)) {
    for (const t of added) {
      const id = (t as { id?: unknown }).id;
      if (typeof id === 'number' && id > max) max = id;
    }
  }
  if (max < 0) throw new TokenizerError(file, 'has an empty vocabulary');
  return max + 1;
}
