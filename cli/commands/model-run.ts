// `elo model eval` and `elo model generate`: run a model folder with the engine. The engine (and
// tfjs) is imported only when one of these runs, so the other commands start fast.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/** A token-ids file: whitespace-separated non-negative integers. */
export function parseTokenIds(text: string, file: string): number[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const bad = words.find((w) => !/^\d+$/.test(w));
  if (bad !== undefined) throw new UsageError(`${file}: "${bad}" is not a token id`);
  if (words.length < 2) throw new UsageError(`${file}: need at least 2 token ids to predict one`);
  return words.map(Number);
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} "${v}" is not a whole number`);
  return n;
}

export function registerModelRunCommands(model: Command): void {
  model
    .command('eval')
    .description('mean NLL, perplexity and bits per byte of a model folder on a text or token ids')
    .argument('<folder>', 'HF model folder (config.json, safetensors, tokenizer.json for --text)')
    .option('--text <file>', 'UTF-8 text, encoded with the folder tokenizer')
    .option('--token-ids <file>', 'whitespace-separated token ids (models without a tokenizer)')
    .option('--seq-len <n>', 'context per evaluated window (default min(512, max positions))')
    .option('--json', 'print JSON')
    .action(
      async (
        folder: string,
        opts: { text?: string; tokenIds?: string; seqLen?: string; json?: boolean },
      ) => {
        if ((opts.text === undefined) === (opts.tokenIds === undefined)) {
          throw new UsageError('give exactly one of --text <file> or --token-ids <file>');
        }
        const input =
          opts.text !== undefined
            ? { text: await readFile(opts.text, 'utf8') }
            : { tokenIds: parseTokenIds(await readFile(opts.tokenIds!, 'utf8'), opts.tokenIds!) };
        const { evalModelFolder } = await import('../../engine/model-folder-tasks.js');
        const r = await evalModelFolder(
          folder,
          input,
          opts.seqLen ? { seqLen: positiveInt('--seq-len', opts.seqLen) } : {},
        );
        const out = {
          tokens: r.tokens,
          meanNll: r.meanNll,
          perplexity: r.perplexity,
          ...(r.bytes !== undefined ? { bytes: r.bytes, bitsPerByte: r.bitsPerByte } : {}),
        };
        if (opts.json) console.log(JSON.stringify(out));
        else {
          console.log(`tokens      ${out.tokens}`);
          console.log(`meanNll     ${out.meanNll.toFixed(4)} nats/token`);
          console.log(`perplexity  ${out.perplexity.toFixed(3)}`);
          if (out.bitsPerByte !== undefined) {
            console.log(`bitsPerByte ${out.bitsPerByte.toFixed(4)} (${out.bytes} bytes)`);
          }
        }
      },
    );

  model
    .command('generate')
    .description('continue a prompt with a model folder (top-k sampling, or --greedy)')
    .argument('<folder>', 'HF model folder with tokenizer.json')
    .requiredOption('--prompt <text>', 'the text to continue')
    .option('--max-tokens <n>', 'tokens to generate at most', '32')
    .option('--seed <n>', 'sampling seed', '0')
    .option('--top-k <n>', 'sample among the k most likely tokens', '40')
    .option('--temperature <t>', 'softmax temperature', '1')
    .option('--greedy', 'always take the most likely token')
    .option('--json', 'print JSON')
    .action(
      async (
        folder: string,
        opts: {
          prompt: string;
          maxTokens: string;
          seed: string;
          topK: string;
          temperature: string;
          greedy?: boolean;
          json?: boolean;
        },
      ) => {
        const temperature = Number(opts.temperature);
        if (!(temperature > 0))
          throw new UsageError(`--temperature "${opts.temperature}" must be > 0`);
        const { generateText } = await import('../../engine/model-folder-tasks.js');
        const r = await generateText(folder, opts.prompt, {
          maxTokens: positiveInt('--max-tokens', opts.maxTokens),
          seed: positiveInt('--seed', opts.seed),
          topK: opts.greedy ? 0 : positiveInt('--top-k', opts.topK),
          temperature,
        });
        console.log(opts.json ? JSON.stringify(r) : r.prompt + r.text);
      },
    );
}
