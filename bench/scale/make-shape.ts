// Writes a random-weight model folder of a scale shape in Hugging Face's exact layout (BF16,
// sharded as the model ships, `model.safetensors.index.json` when sharded), with the shipped
// tokenizer. Never shipped: the scale bench writes them under .tools/bench/scale/ and deletes
// them after. Streams: memory stays at one chunk whatever the model size.
//   node dist/bench/scale/make-shape.js llama-3.2-1b <out-dir>
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  expectedTensorShapes,
  planShards,
  TOKENIZER_SIDE_FILES,
  writeShardedSafetensors,
} from '../../formats/index.js';
import { projectRoot } from '../../infra/project-paths.js';
import { configOf, LLAMA_32_1B, LLAMA_32_3B, type ScaleShape } from './shapes.js';

const CHUNK = 1 << 22; // values per chunk: 8 MiB of BF16

/**
 * BF16 bits of N(0, std)-ish values (sum of four uniforms, scaled) from a xorshift stream: fast,
 * seeded, and spread like trained weights, which is all the bench needs of them.
 */
function* randomBf16(count: number, std: number, seed: number): Generator<Uint8Array> {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out = new Uint16Array(CHUNK);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  const scale = std * Math.sqrt(3); // var of a sum of 4 uniforms(-1,1) is 4/3
  for (let done = 0; done < count;) {
    const n = Math.min(CHUNK, count - done);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < 4; k++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        s += (x >>> 0) / 2147483648 - 1;
      }
      f[0] = (s / 2) * scale;
      out[i] = bits[0]! >>> 16;
    }
    done += n;
    yield new Uint8Array(out.buffer, 0, n * 2);
  }
}

function* ones(count: number): Generator<Uint8Array> {
  const out = new Uint16Array(Math.min(count, CHUNK)).fill(0x3f80); // 1.0 in BF16
  for (let done = 0; done < count; done += out.length)
    yield new Uint8Array(out.buffer, 0, Math.min(out.length, count - done) * 2);
}

export async function makeShape(shape: ScaleShape, out: string): Promise<void> {
  const config = configOf(shape);
  const specs = [...expectedTensorShapes(config)].map(([name, s]) => ({
    name,
    dtype: 'BF16' as const,
    shape: s,
  }));
  const plan = planShards(specs, shape.maxShardBytes);
  const tmp = `${out}.tmp-make`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  let seed = 1;
  await writeShardedSafetensors(tmp, plan, (spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    return spec.name.endsWith('norm.weight') ? ones(n) : randomBf16(n, 0.02, seed++);
  });
  const tokenizer = path.join(projectRoot, 'data', 'tokenizer');
  for (const f of TOKENIZER_SIDE_FILES)
    await copyFile(path.join(tokenizer, f), path.join(tmp, f)).catch(() => undefined);
  // No `architectures`, as a bare LlamaConfig.save_pretrained writes it: model_type names it.
  await writeFile(path.join(tmp, 'config.json'), JSON.stringify(shape.configJson, null, 2));
  await rename(tmp, out);
}

const SHAPES: Record<string, ScaleShape> = {
  [LLAMA_32_1B.name]: LLAMA_32_1B,
  [LLAMA_32_3B.name]: LLAMA_32_3B,
};

if (process.argv[1]?.endsWith('make-shape.js')) {
  const [name, out] = process.argv.slice(2);
  const shape = SHAPES[name ?? ''];
  if (!shape || !out) {
    console.error(`usage: make-shape.js ${Object.keys(SHAPES).join('|')} <out-dir>`);
    process.exit(2);
  }
  makeShape(shape, out).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
