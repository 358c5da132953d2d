// Whole-folder tasks behind `elo model eval` and `elo model generate`: load, run, dispose.
import { HfTokenizer } from '../formats/index.js';
import { initBackend } from './backend.js';
import { TokenIdError } from './errors.js';
import { type EvalResult, evaluate } from './eval.js';
import { generate } from './generate.js';
import { loadModelFolder } from './io/hf-folder.js';

export type EvalInput = { text: string } | { tokenIds: readonly number[] };

export interface FolderEvalOptions {
  /** Context per row (default min(512, max_position_embeddings)). */
  seqLen?: number;
  batchSize?: number;
}

/**
 * Mean NLL, perplexity and (for text) bits per byte of a model folder on a text (encoded with
 * the folder's tokenizer.json, BOS prepended when the config has one so every text token is
 * predicted) or on raw token ids.
 */
export async function evalModelFolder(
  folder: string,
  input: EvalInput,
  opts: FolderEvalOptions = {},
): Promise<EvalResult> {
  await initBackend();
  const model = await loadModelFolder(folder);
  try {
    let ids: number[];
    let bytes: number | undefined;
    if ('text' in input) {
      const tokenizer = await HfTokenizer.load(folder);
      ids = tokenizer.encode(input.text);
      const bos = model.config.bosTokenId;
      if (bos !== null) ids.unshift(bos);
      bytes = Buffer.byteLength(input.text, 'utf8');
    } else {
      ids = [...input.tokenIds];
    }
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= model.config.vocabSize);
    if (bad !== undefined) {
      throw new TokenIdError(bad, model.config.vocabSize);
    }
    const seqLen = opts.seqLen ?? Math.min(512, model.config.maxPositionEmbeddings);
    return await evaluate(model, [ids], {
      seqLen,
      batchSize: opts.batchSize ?? 4,
      ...(bytes !== undefined ? { bytes } : {}),
    });
  } finally {
    model.dispose();
  }
}

export interface GenerateTextOptions {
  maxTokens: number;
  seed?: number;
  /** 0 = greedy. */
  topK?: number;
  temperature?: number;
}

export interface GeneratedText {
  prompt: string;
  text: string; // the continuation only
  tokenIds: number[]; // the continuation only
}

/** Continues `prompt` with the folder's model and tokenizer (stops at EOS). */
export async function generateText(
  folder: string,
  prompt: string,
  opts: GenerateTextOptions,
): Promise<GeneratedText> {
  await initBackend();
  const model = await loadModelFolder(folder);
  try {
    const tokenizer = await HfTokenizer.load(folder);
    const ids = tokenizer.encode(prompt);
    const bos = model.config.bosTokenId;
    if (bos !== null) ids.unshift(bos);
    const eos = model.config.eosTokenId;
    const out = generate(model, ids, {
      maxNewTokens: opts.maxTokens,
      topK: opts.topK ?? 0,
      temperature: opts.temperature ?? 1,
      seed: opts.seed ?? 0,
      ...(eos !== null ? { eosTokenId: eos } : {}),
    });
    const continuation = out.slice(ids.length);
    // Whole characters only: generation can stop inside a multi-byte character.
    const text = tokenizer.decodeContinuation(ids, continuation).completion;
    return { prompt, text, tokenIds: continuation };
  } finally {
    model.dispose();
  }
}
