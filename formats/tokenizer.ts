// HF `tokenizer.json` tokenizers, run by @huggingface/tokenizers (pure JS, no native code, no
// network): the same files transformers uses, so token ids match the model's.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { sha256Json } from './sha256.js';

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

export class HfTokenizer {
  /** Size of the id space: one more than the largest id in the vocabulary or added tokens. */
  readonly vocabSize: number;
  readonly hash: string;
  private readonly tok: Tokenizer;

  private constructor(
    readonly file: string,
    json: Record<string, unknown>,
    config: Record<string, unknown>,
  ) {
    this.hash = tokenizerHash(json);
    this.vocabSize = idSpace(file, json);
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
    return this.tok.decode(Array.from(ids), {
      skip_special_tokens: opts.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: false,
    });
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
