// Sharded checkpoints: `model.safetensors.index.json` maps each tensor to one shard file, as
// transformers' save_pretrained writes it: {metadata: {total_size}, weight_map: {name: file}}.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import type { Tensor } from './dtype.js';
import { SafetensorsError } from './safetensors-error.js';
import {
  type ReadTensorOptions,
  SafetensorsFile,
  type TensorInfo,
  type TensorSource,
} from './safetensors-reader.js';
import { SafetensorsWriter, specByteLength, type TensorSpec } from './safetensors-writer.js';

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';

export interface SafetensorsIndex {
  metadata: { total_size: number } & Record<string, unknown>;
  weight_map: Record<string, string>;
}

/** Parses and checks an index's shape; shard names must be plain file names in the folder. */
export function parseSafetensorsIndex(file: string, json: unknown): SafetensorsIndex {
  const fail = (reason: string, tensor?: string): never => {
    throw new SafetensorsError(file, tensor, reason);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('not a JSON object');
  const { metadata, weight_map: map } = json as Record<string, unknown>;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    fail('weight_map is not an object');
  }
  const meta = (metadata ?? {}) as Record<string, unknown>;
  if (typeof meta !== 'object' || Array.isArray(meta)) fail('metadata is not an object');
  for (const [name, shard] of Object.entries(map as object)) {
    if (typeof shard !== 'string' || shard === '' || shard !== path.basename(shard)) {
      fail(`weight_map entry ${JSON.stringify(shard)} is not a file name in the folder`, name);
    }
  }
  return {
    metadata: { ...meta, total_size: Number(meta.total_size ?? 0) },
    weight_map: map as Record<string, string>,
  };
}

/** Several shard files behind one name → tensor view. */
export class ShardedSafetensors implements TensorSource {
  private constructor(
    readonly indexPath: string,
    readonly index: SafetensorsIndex,
    private readonly files: Map<string, SafetensorsFile>,
    private readonly owner: Map<string, SafetensorsFile>,
  ) {}

  static async open(indexPath: string): Promise<ShardedSafetensors> {
    let json: unknown;
    try {
      json = JSON.parse(await fs.readFile(indexPath, 'utf8'));
    } catch (err) {
      throw new SafetensorsError(
        indexPath,
        undefined,
        `unreadable index (${(err as Error).message})`,
      );
    }
    const index = parseSafetensorsIndex(indexPath, json);
    const dir = path.dirname(indexPath);
    const files = new Map<string, SafetensorsFile>();
    try {
      for (const shard of new Set(Object.values(index.weight_map)).values()) {
        files.set(shard, await SafetensorsFile.open(path.join(dir, shard)));
      }
      const owner = new Map<string, SafetensorsFile>();
      for (const [name, shard] of Object.entries(index.weight_map)) {
        const f = files.get(shard)!;
        if (!f.has(name)) {
          throw new SafetensorsError(indexPath, name, `listed in ${shard}, which lacks it`);
        }
        owner.set(name, f);
      }
      for (const [shard, f] of files) {
        for (const name of f.tensorNames()) {
          if (index.weight_map[name] !== shard) {
            throw new SafetensorsError(
              indexPath,
              name,
              `in ${shard} but the index maps it elsewhere`,
            );
          }
        }
      }
      return new ShardedSafetensors(indexPath, index, files, owner);
    } catch (err) {
      for (const f of files.values()) await f.close();
      throw err;
    }
  }

  /** Tensor names, shard by shard in file order. */
  tensorNames(): string[] {
    return [...this.files.values()].flatMap((f) => f.tensorNames());
  }

  shardOf(name: string): string {
    return path.basename(this.file(name).path);
  }

  info(name: string): TensorInfo & { file: string } {
    return this.file(name).info(name);
  }

  readTensor(name: string, opts?: ReadTensorOptions): Promise<Tensor> {
    return this.file(name).readTensor(name, opts);
  }

  readRaw(name: string): Promise<Buffer> {
    return this.file(name).readRaw(name);
  }

  readRawChunks(name: string, chunk?: Uint8Array): AsyncGenerator<Uint8Array> {
    return this.file(name).readRawChunks(name, chunk);
  }

  async close(): Promise<void> {
    for (const f of this.files.values()) await f.close();
  }

  private file(name: string): SafetensorsFile {
    const f = this.owner.get(name);
    if (!f) throw new SafetensorsError(this.indexPath, name, 'no such tensor');
    return f;
  }
}

/** Opens `model.safetensors.index.json` if present, else `model.safetensors`, in `dir`. */
export async function openSafetensorsFolder(dir: string): Promise<TensorSource> {
  const indexPath = path.join(dir, INDEX_FILE);
  try {
    await fs.access(indexPath);
    return await ShardedSafetensors.open(indexPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const single = path.join(dir, SINGLE_FILE);
  try {
    await fs.access(single);
  } catch {
    throw new SafetensorsError(dir, undefined, `has neither ${SINGLE_FILE} nor ${INDEX_FILE}`);
  }
  return SafetensorsFile.open(single);
}

export interface ShardPlan {
  /** Shard file name → the tensors it holds, in write order. */
  shards: { file: string; specs: TensorSpec[] }[];
  /** Undefined when everything fits one `model.safetensors` (no index is written). */
  index?: SafetensorsIndex;
}

/**
 * Splits tensors (kept in order) into shards of at most `maxShardBytes` of data each, as
 * transformers does; a tensor bigger than the limit gets a shard of its own.
 * `assign`, when given, pins tensors to named shard files instead (to mirror a base layout).
 */
export function planShards(
  specs: readonly TensorSpec[],
  maxShardBytes: number,
  assign?: (name: string) => string,
): ShardPlan {
  const groups: TensorSpec[][] = [];
  if (assign) {
    const byFile = new Map<string, TensorSpec[]>();
    for (const s of specs) {
      const f = assign(s.name);
      byFile.set(f, [...(byFile.get(f) ?? []), s]);
    }
    const names = [...byFile.keys()];
    if (names.length === 1 && names[0] === SINGLE_FILE) {
      return { shards: [{ file: SINGLE_FILE, specs: [...specs] }] };
    }
    return withIndex(names.map((file) => ({ file, specs: byFile.get(file)! })));
  }
  let current: TensorSpec[] = [];
  let size = 0;
  for (const s of specs) {
    const len = specByteLength(s);
    if (current.length > 0 && size + len > maxShardBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(s);
    size += len;
  }
  groups.push(current);
  if (groups.length === 1) return { shards: [{ file: SINGLE_FILE, specs: groups[0]! }] };
  const n = String(groups.length).padStart(5, '0');
  return withIndex(
    groups.map((g, i) => ({
      file: `model-${String(i + 1).padStart(5, '0')}-of-${n}.safetensors`,
      specs: g,
    })),
  );
}

function withIndex(shards: { file: string; specs: TensorSpec[] }[]): ShardPlan {
  const weight_map: Record<string, string> = {};
  let total = 0;
  for (const sh of shards) {
    for (const s of sh.specs) {
      weight_map[s.name] = sh.file;
      total += specByteLength(s);
    }
  }
  return { shards, index: { metadata: { total_size: total }, weight_map } };
}

/**
 * Writes a planned set of shards into `dir`, pulling each tensor's bytes from `bytesOf` in
 * plan order (one tensor in flight). The index, if any, is written last.
 */
export async function writeShardedSafetensors(
  dir: string,
  plan: ShardPlan,
  bytesOf: (spec: TensorSpec) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  metadata: Record<string, string> = { format: 'pt' },
): Promise<void> {
  for (const shard of plan.shards) {
    const w = await SafetensorsWriter.create(path.join(dir, shard.file), shard.specs, metadata);
    try {
      for (const spec of shard.specs) {
        for await (const chunk of bytesOf(spec)) await w.writeBytes(spec.name, chunk);
      }
      await w.close();
    } catch (err) {
      await w.abort();
      throw err;
    }
  }
  if (plan.index) {
    await writeFileAtomic(path.join(dir, INDEX_FILE), JSON.stringify(plan.index, null, 2) + '\n');
  }
}
