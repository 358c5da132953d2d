// HF model folders <-> the engine: load (any subset of layers) and save (HF-loadable, float32).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CONFIG_FILE,
  DETACH_FILE,
  HfModelFolder,
  TOKENIZER_SIDE_FILES,
  toHfConfigJson,
} from '../../formats/index.js';
import { resolveLayerIndices, validateConfig } from '../model/config.js';
import { LlamaModel } from '../model/llama-model.js';
import { type HostWeights, parameterSpecs } from '../model/weights.js';
import { type FloatDType, writeHostTensors } from './host-tensors.js';

export const WEIGHTS_FILE = 'model.safetensors';

export interface LoadOptions {
  /** Layer indices to instantiate (negative from the end); default all. */
  layers?: readonly number[];
}

/** Loads the folder's weights (any stored dtype, widened to float32) into a model. */
export async function loadModelFolder(dir: string, opts: LoadOptions = {}): Promise<LlamaModel> {
  const folder = await HfModelFolder.open(dir);
  try {
    folder.checkTensors(); // every tensor the config implies, with its shape; nothing unknown
    const config = validateConfig(folder.config);
    const layers = resolveLayerIndices(
      opts.layers ?? Array.from({ length: config.numHiddenLayers }, (_, i) => i),
      config.numHiddenLayers,
    );
    const host: HostWeights = new Map();
    for (const spec of parameterSpecs(config, layers)) {
      if (!folder.has(spec.name)) continue; // fromHost names what is missing
      const t = await folder.readTensor(spec.name, { asFloat32: true });
      host.set(spec.name, { shape: [...t.shape], data: t.data as Float32Array });
    }
    return LlamaModel.fromHost(config, host, { layers, source: dir });
  } finally {
    await folder.close();
  }
}

export interface SaveOptions {
  /** config.json of the folder the model came from: unmodelled fields are kept. */
  rawConfig?: Record<string, unknown>;
  /** Weight dtype in the file (default F32). */
  dtype?: FloatDType;
  /**
   * Copy the tokenizer files and detach.json from this folder, so a trained detached model can
   * be evaluated with its tokenizer and reintegrated (`elo model reintegrate`).
   */
  sideFilesFrom?: string;
}

const TORCH_DTYPE: Record<FloatDType, string> = {
  F32: 'float32',
  BF16: 'bfloat16',
  F16: 'float16',
};

/** Writes config.json and model.safetensors (HF names) for a model holding all its layers. */
export async function saveModelFolder(
  model: LlamaModel,
  dir: string,
  opts: SaveOptions = {},
): Promise<void> {
  const n = model.config.numHiddenLayers;
  if (model.layerIndices.length !== n || model.layerIndices.some((l, i) => l !== i)) {
    throw new Error(
      `saveModelFolder: the model holds layers [${model.layerIndices}] of ${n}; ` +
        'an HF folder needs all of them (write detached layers back with reintegrate)',
    );
  }
  const dtype = opts.dtype ?? 'F32';
  await mkdir(dir, { recursive: true });
  const config = toHfConfigJson(
    { ...model.config, torchDtype: TORCH_DTYPE[dtype] },
    opts.rawConfig ?? {},
  );
  await writeHostTensors(
    path.join(dir, WEIGHTS_FILE),
    model.weights.toHostLazy(),
    { format: 'pt' },
    dtype,
  );
  if (opts.sideFilesFrom !== undefined) {
    for (const file of [...TOKENIZER_SIDE_FILES, DETACH_FILE]) {
      await copyFile(path.join(opts.sideFilesFrom, file), path.join(dir, file)).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        },
      );
    }
  }
  await writeFile(path.join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
}
