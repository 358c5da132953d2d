// Report samples from a model folder in bounded memory: every prompt advances together, one
// layer-streamed forward pass per new token (full recompute, as `generate` does), so the model is
// read maxNewTokens times whatever the number of prompts. Same tokens as `generate` per prompt.
import * as tf from '@tensorflow/tfjs-core';
import { eosSet, type GenerateOptions, nextToken } from '../generate.js';
import { Prng } from '../prng.js';
import { type LayerStream, type LayerStreamHooks, withLayerStream } from './layer-stream.js';

export interface StreamingPrompt {
  prompt: readonly number[];
  opts: GenerateOptions;
}

/** Prompt + generated ids for each prompt, in order. Prompts of one call share a length. */
export async function generateFolderStreaming(
  source: string | LayerStream,
  prompts: readonly StreamingPrompt[],
  hooks: LayerStreamHooks = {},
): Promise<number[][]> {
  const lengths = new Set(prompts.map((p) => p.prompt.length));
  if (lengths.size > 1) throw new Error('generateFolderStreaming: prompts of different lengths');
  if (lengths.has(0)) throw new Error('generateFolderStreaming: empty prompt');
  return withLayerStream(source, async (stream) => {
    const maxContext = stream.config.maxPositionEmbeddings;
    const V = stream.config.vocabSize;
    const rows = prompts.map((p) => ({
      out: [...p.prompt],
      opts: p.opts,
      rng: new Prng(p.opts.seed ?? 0),
      eos: eosSet(p.opts),
      done: p.opts.maxNewTokens <= 0,
      left: p.opts.maxNewTokens,
    }));
    for (;;) {
      const live = rows.filter((r) => !r.done);
      if (live.length === 0) break;
      const contexts = live.map((r) => r.out.slice(-maxContext));
      const T = contexts[0]!.length;
      const inputIds = new Int32Array(live.length * T);
      contexts.forEach((c, i) => inputIds.set(c, i * T));
      const [lasts] = await stream.logits(
        [{ batchSize: live.length, seqLen: T, inputIds }],
        (logits) =>
          live.map(
            (_, i) =>
              tf.tidy(() =>
                tf.slice(logits, [i * T + T - 1, 0], [1, V]).dataSync(),
              ) as Float32Array,
          ),
        hooks,
      );
      live.forEach((r, i) => {
        const next = nextToken(lasts![i]!, r.opts, r.rng);
        r.out.push(next);
        r.left--;
        if (r.left <= 0 || r.eos.has(next)) r.done = true;
      });
    }
    return rows.map((r) => r.out);
  });
}
