// An HF model folder: config.json + model.safetensors (or shards with an index) + optional
// tokenizer.json. Opening reads headers only; tensors are read on demand.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { firstNonFinite } from './non-finite.js';
import { type DType, numElements, type Tensor } from './dtype.js';
import { HfConfigError, type LlamaConfig, parseHfConfig } from './hf-config.js';
import {
  EMBED,
  expectedTensorShapes,
  FINAL_NORM,
  isIgnorableTensor,
  LM_HEAD,
  parseTensorName,
} from './hf-names.js';
import { openSafetensorsFolder, ShardedSafetensors } from './safetensors-index.js';
import {
  DEFAULT_CHUNK_BYTES,
  type ReadTensorOptions,
  type TensorSource,
} from './safetensors-reader.js';

export const CONFIG_FILE = 'config.json';
export const TOKENIZER_FILE = 'tokenizer.json';
/** Side files a model folder may carry; surgery copies those present. */
export const TOKENIZER_SIDE_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
];

const FLOAT_BYTES: Partial<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

export class ModelFolderError extends Error {
  override readonly name = 'ModelFolderError';
  constructor(
    readonly file: string,
    readonly tensor: string | undefined,
    readonly reason: string,
  ) {
    super(tensor === undefined ? `${file}: ${reason}` : `${file}: tensor "${tensor}": ${reason}`);
  }
}

export interface HfTensorEntry {
  name: string;
  /** Shard file name within the folder. */
  file: string;
  dtype: DType;
  shape: number[];
  byteLength: number;
}

export interface ParameterCounts {
  total: number;
  embedding: number;
  layers: number;
  perLayer: number[];
  finalNorm: number;
  /** 0 when the head is tied to the embeddings and not stored. */
  head: number;
}

export class HfModelFolder {
  private constructor(
    readonly dir: string,
    readonly config: LlamaConfig,
    /** config.json as written, for rewriting it without losing unmodelled fields. */
    readonly rawConfig: Record<string, unknown>,
    readonly tensors: TensorSource,
    readonly sharded: boolean,
    readonly hasTokenizer: boolean,
  ) {
    this.names = new Set(tensors.tensorNames());
  }

  private readonly names: Set<string>;

  static async open(dir: string): Promise<HfModelFolder> {
    const configPath = path.join(dir, CONFIG_FILE);
    let text: string;
    try {
      text = await fs.readFile(configPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ModelFolderError(
        configPath,
        undefined,
        code === 'ENOENT' ? 'missing (is this an HF model folder?)' : String(err),
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new HfConfigError(configPath, '', `not JSON (${(err as Error).message})`);
    }
    const config = parseHfConfig(raw, configPath);
    const tensors = await openSafetensorsFolder(dir);
    const hasTokenizer = await fs
      .access(path.join(dir, TOKENIZER_FILE))
      .then(() => true)
      .catch(() => false);
    return new HfModelFolder(
      dir,
      config,
      raw as Record<string, unknown>,
      tensors,
      tensors instanceof ShardedSafetensors,
      hasTokenizer,
    );
  }

  listTensors(): HfTensorEntry[] {
    return this.tensors.tensorNames().map((name) => {
      const i = this.tensors.info(name);
      return {
        name,
        file: path.basename(i.file),
        dtype: i.dtype,
        shape: i.shape,
        byteLength: i.byteLength,
      };
    });
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  entry(name: string): HfTensorEntry {
    const i = this.tensors.info(name);
    return {
      name,
      file: path.basename(i.file),
      dtype: i.dtype,
      shape: i.shape,
      byteLength: i.byteLength,
    };
  }

  readTensor(name: string, opts?: ReadTensorOptions): Promise<Tensor> {
    return this.tensors.readTensor(name, opts);
  }

  readRawChunks(name: string, chunk?: Uint8Array): AsyncGenerator<Uint8Array> {
    return this.tensors.readRawChunks(name, chunk);
  }

  /**
   * Streams every floating-point tensor and throws a ModelFolderError naming the file, the tensor
   * and the element if one holds NaN or ±Inf: such weights train to NaN and evaluate to NaN, so
   * import refuses them up front. Memory: one chunk, whatever the model's size.
   */
  async checkFinite(chunk = new Uint8Array(DEFAULT_CHUNK_BYTES)): Promise<void> {
    for (const name of [...this.names].sort()) {
      const e = this.entry(name);
      const perElement = FLOAT_BYTES[e.dtype];
      if (perElement === undefined) continue; // integer tensors cannot hold NaN
      let seen = 0;
      for await (const part of this.tensors.readRawChunks(name, chunk)) {
        const at = firstNonFinite(part, e.dtype);
        if (at >= 0) {
          throw new ModelFolderError(
            path.join(this.dir, e.file),
            name,
            `holds a non-finite weight (NaN or ±Inf) at element ${seen + at}: the model cannot be trained or evaluated`,
          );
        }
        seen += part.byteLength / perElement;
      }
    }
  }

  /**
   * Checks that every tensor the config implies is present with its shape, and that nothing
   * unknown is there. Throws a ModelFolderError naming the file and tensor.
   */
  checkTensors(): void {
    const expected = expectedTensorShapes(this.config);
    const present = this.names;
    for (const [name, shape] of expected) {
      if (!present.has(name)) {
        throw new ModelFolderError(this.dir, name, 'missing from the weights');
      }
      const e = this.entry(name);
      if (!sameShape(e.shape, shape)) {
        throw new ModelFolderError(
          path.join(this.dir, e.file),
          name,
          `shape [${e.shape.join(', ')}] but config.json implies [${shape.join(', ')}]`,
        );
      }
    }
    for (const name of present) {
      if (expected.has(name) || isIgnorableTensor(name)) continue;
      if (name === LM_HEAD && this.config.tieWordEmbeddings) {
        const e = this.entry(name);
        if (sameShape(e.shape, [this.config.vocabSize, this.config.hiddenSize])) continue;
      }
      const e = this.entry(name);
      throw new ModelFolderError(
        path.join(this.dir, e.file),
        name,
        parseTensorName(name) ? 'not implied by config.json' : 'not a known Llama-family tensor',
      );
    }
  }

  /**
   * sha256 over the weights as tensors, independent of sharding: for each tensor in name
   * order, a line `name dtype shape byteLength` and then its bytes. Streams through `chunk`.
   */
  async weightsSha256(chunk = new Uint8Array(DEFAULT_CHUNK_BYTES)): Promise<string> {
    const hash = createHash('sha256');
    for (const name of [...this.tensors.tensorNames()].sort()) {
      const i = this.tensors.info(name);
      hash.update(`${name} ${i.dtype} ${JSON.stringify(i.shape)} ${i.byteLength}\n`);
      for await (const part of this.tensors.readRawChunks(name, chunk)) hash.update(part);
    }
    return hash.digest('hex');
  }

  parameterCounts(): ParameterCounts {
    const perLayer = new Array<number>(this.config.numHiddenLayers).fill(0);
    const counts = { total: 0, embedding: 0, layers: 0, perLayer, finalNorm: 0, head: 0 };
    for (const e of this.listTensors()) {
      if (isIgnorableTensor(e.name)) continue;
      const n = numElements(e.shape);
      counts.total += n;
      const p = parseTensorName(e.name);
      if (p?.layer !== undefined) {
        counts.layers += n;
        if (p.layer < perLayer.length) perLayer[p.layer]! += n;
      } else if (e.name === EMBED) counts.embedding += n;
      else if (e.name === FINAL_NORM) counts.finalNorm += n;
      else if (e.name === LM_HEAD) counts.head += n;
    }
    return counts;
  }

  /** Tensor count per dtype. */
  dtypes(): Partial<Record<DType, number>> {
    const out: Partial<Record<DType, number>> = {};
    for (const e of this.listTensors()) out[e.dtype] = (out[e.dtype] ?? 0) + 1;
    return out;
  }

  async close(): Promise<void> {
    await this.tensors.close();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
