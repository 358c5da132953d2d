// Detach and reintegrate: tensor renames between HF model folders, streamed chunk by chunk
// (one reused buffer, so memory does not follow the model size) into a temp folder that is
// renamed into place only when complete.
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { exists, tempSibling } from './atomic.js';
import { toHfConfigJson } from './hf-config.js';
import { CONFIG_FILE, HfModelFolder, TOKENIZER_SIDE_FILES } from './hf-model-folder.js';
import {
  EMBED,
  expectedTensorShapes,
  FINAL_NORM,
  isIgnorableTensor,
  layerTensorName,
  LM_HEAD,
  parseTensorName,
} from './hf-names.js';
import { planShards, writeShardedSafetensors } from './safetensors-index.js';
import { DEFAULT_CHUNK_BYTES } from './safetensors-reader.js';
import type { TensorSpec } from './safetensors-writer.js';

export const DETACH_FILE = 'detach.json';
export const REINTEGRATE_FILE = 'reintegrate.json';
/** transformers' default shard size for save_pretrained. */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

/** Bad input to a surgery (layer list, mismatched folders, existing output). */
export class SurgeryError extends Error {
  override readonly name = 'SurgeryError';
}

export const detachManifestSchema = z.object({
  format: z.literal('elo-detach'),
  version: z.literal(1),
  /** Original indices of the detached layers, ascending: elo layer i is base layer baseLayers[i]. */
  baseLayers: z.array(z.number().int().nonnegative()).min(1),
  baseNumLayers: z.number().int().positive(),
  /** `HfModelFolder.weightsSha256()` of the base. */
  baseSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Elo layer index (as a string key) → base layer index; the same facts as baseLayers. */
  layerMap: z.record(z.string(), z.number().int().nonnegative()),
});
export type DetachManifest = z.infer<typeof detachManifestSchema>;

/**
 * Resolves a layer list against a layer count: negative indices count from the end (-1 is the
 * last). Returns ascending indices; duplicates (after resolving) and out-of-range are errors.
 */
export function resolveLayers(layers: readonly number[] | string, numLayers: number): number[] {
  const list =
    typeof layers === 'string'
      ? layers.split(',').map((s) => {
          const t = s.trim();
          if (!/^-?\d+$/.test(t)) throw new SurgeryError(`layer "${t}" is not an integer`);
          return Number(t);
        })
      : [...layers];
  if (list.length === 0) throw new SurgeryError('the layer list is empty');
  const seen = new Set<number>();
  for (const l of list) {
    if (!Number.isInteger(l)) throw new SurgeryError(`layer ${l} is not an integer`);
    const r = l < 0 ? numLayers + l : l;
    if (r < 0 || r >= numLayers) {
      throw new SurgeryError(`layer ${l} is out of range for a ${numLayers}-layer model`);
    }
    if (seen.has(r)) throw new SurgeryError(`layer ${l} is listed twice (it is layer ${r})`);
    seen.add(r);
  }
  return [...seen].sort((a, b) => a - b);
}

export interface DetachOptions {
  maxShardBytes?: number;
}

export interface DetachResult {
  outFolder: string;
  manifest: DetachManifest;
}

export async function detach(
  baseFolder: string,
  layers: readonly number[] | string,
  outFolder: string,
  opts: DetachOptions = {},
): Promise<DetachResult> {
  await refuseExisting(outFolder);
  const base = await HfModelFolder.open(baseFolder);
  try {
    base.checkTensors();
    const cfg = base.config;
    const baseLayers = resolveLayers(layers, cfg.numHiddenLayers);
    // One buffer for every hash and copy: memory stays flat whatever the model size.
    const chunk = new Uint8Array(DEFAULT_CHUNK_BYTES);
    const eloCfg = { ...cfg, numHiddenLayers: baseLayers.length };
    // Output tensor → source tensor, in HF order.
    const sources = new Map<string, string>();
    for (const name of expectedTensorShapes(eloCfg).keys()) {
      const p = parseTensorName(name)!;
      sources.set(
        name,
        p.layer === undefined ? name : layerTensorName(baseLayers[p.layer]!, p.part),
      );
    }
    if (cfg.tieWordEmbeddings && base.has(LM_HEAD)) sources.set(LM_HEAD, LM_HEAD);
    const specs: TensorSpec[] = [...sources].map(([name, src]) => {
      const e = base.entry(src);
      return { name, dtype: e.dtype, shape: e.shape };
    });
    const manifest: DetachManifest = {
      format: 'elo-detach',
      version: 1,
      baseLayers,
      baseNumLayers: cfg.numHiddenLayers,
      baseSha256: await base.weightsSha256(chunk),
      layerMap: Object.fromEntries(baseLayers.map((b, i) => [String(i), b])),
    };
    await intoTempFolder(outFolder, async (tmp) => {
      const plan = planShards(specs, opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES);
      await writeShardedSafetensors(tmp, plan, (s) =>
        base.readRawChunks(sources.get(s.name)!, chunk),
      );
      const configJson = toHfConfigJson(eloCfg, base.rawConfig);
      await fs.writeFile(path.join(tmp, CONFIG_FILE), JSON.stringify(configJson, null, 2) + '\n');
      await copySideFiles(baseFolder, tmp);
      await fs.writeFile(path.join(tmp, DETACH_FILE), JSON.stringify(manifest, null, 2) + '\n');
    });
    return { outFolder, manifest };
  } finally {
    await base.close();
  }
}

export interface ReintegrateOptions {
  /**
   * Also take embeddings, final norm and LM head from the elo folder (when ELO training
   * unfroze them); by default they come from the base.
   */
  includeNonLayer?: boolean;
}

export interface ReintegrateResult {
  outFolder: string;
  /** Base layer index → elo layer index it was replaced by. */
  replaced: Record<string, number>;
  baseSha256: string;
  eloSha256: string;
}

export async function readDetachManifest(eloFolder: string): Promise<DetachManifest> {
  const file = path.join(eloFolder, DETACH_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new SurgeryError(
      `${file}: unreadable (${(err as Error).message}); was it made by detach?`,
    );
  }
  const r = detachManifestSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new SurgeryError(`${file}: ${i.path.join('.')}: ${i.message}`);
  }
  const m = r.data;
  const sorted = m.baseLayers.every((l, i) => i === 0 || l > m.baseLayers[i - 1]!);
  const mapOk =
    Object.keys(m.layerMap).length === m.baseLayers.length &&
    m.baseLayers.every((l, i) => m.layerMap[String(i)] === l);
  if (!sorted || !mapOk || m.baseLayers.at(-1)! >= m.baseNumLayers) {
    throw new SurgeryError(`${file}: baseLayers and layerMap disagree or are out of range`);
  }
  return m;
}

export async function reintegrate(
  baseFolder: string,
  eloFolder: string,
  outFolder: string,
  opts: ReintegrateOptions = {},
): Promise<ReintegrateResult> {
  await refuseExisting(outFolder);
  const manifest = await readDetachManifest(eloFolder);
  const base = await HfModelFolder.open(baseFolder);
  try {
    const elo = await HfModelFolder.open(eloFolder);
    try {
      base.checkTensors();
      elo.checkTensors();
      if (base.config.numHiddenLayers !== manifest.baseNumLayers) {
        throw new SurgeryError(
          `${baseFolder} has ${base.config.numHiddenLayers} layers, but ${eloFolder} was detached from a ${manifest.baseNumLayers}-layer model`,
        );
      }
      if (elo.config.numHiddenLayers !== manifest.baseLayers.length) {
        throw new SurgeryError(
          `${eloFolder}: config.json has ${elo.config.numHiddenLayers} layers but ${DETACH_FILE} lists ${manifest.baseLayers.length}`,
        );
      }
      const chunk = new Uint8Array(DEFAULT_CHUNK_BYTES);
      const baseSha256 = await base.weightsSha256(chunk);
      if (baseSha256 !== manifest.baseSha256) {
        throw new SurgeryError(
          `${baseFolder} is not the model ${eloFolder} was detached from (weights sha256 ${baseSha256.slice(0, 12)}…, expected ${manifest.baseSha256.slice(0, 12)}…)`,
        );
      }
      const toElo = new Map(manifest.baseLayers.map((b, i) => [b, i]));
      // Every base tensor, in base order, from the base or its elo replacement.
      const sources = new Map<string, { from: HfModelFolder; name: string }>();
      for (const name of base.tensors.tensorNames()) {
        const p = isIgnorableTensor(name) ? undefined : parseTensorName(name);
        let src = { from: base, name };
        if (p?.layer !== undefined && toElo.has(p.layer)) {
          src = { from: elo, name: layerTensorName(toElo.get(p.layer)!, p.part) };
        } else if (
          opts.includeNonLayer &&
          (name === EMBED || name === FINAL_NORM || name === LM_HEAD) &&
          elo.has(name)
        ) {
          src = { from: elo, name };
        }
        if (src.from === elo) {
          if (!elo.has(src.name)) {
            throw new SurgeryError(
              `${eloFolder}: tensor "${src.name}" is missing (replaces "${name}")`,
            );
          }
          const a = base.entry(name).shape;
          const b = elo.entry(src.name).shape;
          if (a.join(',') !== b.join(',')) {
            throw new SurgeryError(
              `${eloFolder}: tensor "${src.name}" has shape [${b.join(', ')}] but base "${name}" has [${a.join(', ')}]`,
            );
          }
        }
        sources.set(name, src);
      }
      const specs: TensorSpec[] = [...sources].map(([name, s]) => {
        const e = s.from.entry(s.name);
        return { name, dtype: e.dtype, shape: e.shape };
      });
      const eloSha256 = await elo.weightsSha256(chunk);
      const replaced = Object.fromEntries(manifest.baseLayers.map((b, i) => [String(b), i]));
      await intoTempFolder(outFolder, async (tmp) => {
        // Mirror the base's file layout so the merged folder is laid out like the base.
        const plan = planShards(specs, Infinity, (name) => base.entry(name).file);
        await writeShardedSafetensors(tmp, plan, (s) => {
          const src = sources.get(s.name)!;
          return src.from.readRawChunks(src.name, chunk);
        });
        await fs.copyFile(path.join(baseFolder, CONFIG_FILE), path.join(tmp, CONFIG_FILE));
        await copySideFiles(baseFolder, tmp);
        const record = {
          format: 'elo-reintegrate',
          version: 1,
          baseSha256,
          eloSha256,
          replaced,
          includeNonLayer: opts.includeNonLayer ?? false,
        };
        await fs.writeFile(
          path.join(tmp, REINTEGRATE_FILE),
          JSON.stringify(record, null, 2) + '\n',
        );
      });
      return { outFolder, replaced, baseSha256, eloSha256 };
    } finally {
      await elo.close();
    }
  } finally {
    await base.close();
  }
}

async function refuseExisting(outFolder: string): Promise<void> {
  if (await exists(outFolder)) throw new SurgeryError(`${outFolder} already exists`);
}

/** Builds a folder next to `outFolder` and renames it into place only when `fill` succeeds. */
async function intoTempFolder(outFolder: string, fill: (tmp: string) => Promise<void>) {
  await fs.mkdir(path.dirname(path.resolve(outFolder)), { recursive: true });
  const tmp = tempSibling(outFolder);
  await fs.mkdir(tmp);
  try {
    await fill(tmp);
    await refuseExisting(outFolder);
    await fs.rename(tmp, outFolder);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function copySideFiles(from: string, to: string): Promise<void> {
  for (const f of TOKENIZER_SIDE_FILES) {
    if (await exists(path.join(from, f))) await fs.copyFile(path.join(from, f), path.join(to, f));
  }
}
