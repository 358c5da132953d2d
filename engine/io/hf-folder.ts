// HF model folders <-> the engine: load (any subset of layers) and save (HF-loadable, float32).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE, HfModelFolder, toHfConfigJson } from '../../formats/index.js';
import { resolveLayerIndices, validateConfig } from '../model/config.js';
import { LlamaModel } from '../model/llama-model.js';
import { type HostWeights, parameterSpecs } from '../model/weights.js';
import { writeHostTensors } from './host-tensors.js';

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

/**
 * Writes config.json and model.safetensors (float32, HF names) for a model holding all its
 * layers; `rawConfig` keeps unmodelled config.json fields of the folder it came from.
 */
export async function saveModelFolder(
  model: LlamaModel,
  dir: string,
  rawConfig: Record<string, unknown> = {},
): Promise<void> {
  const n = model.config.numHiddenLayers;
  if (model.layerIndices.length !== n || model.layerIndices.some((l, i) => l !== i)) {
    throw new Error(
      `saveModelFolder: the model holds layers [${model.layerIndices}] of ${n}; ` +
        'an HF folder needs all of them (write detached layers back with reintegrate)',
    );
  }
  await mkdir(dir, { recursive: true });
  const config = toHfConfigJson({ ...model.config, torchDtype: 'float32' }, rawConfig);
  await writeHostTensors(path.join(dir, WEIGHTS_FILE), model.weights.toHost(), { format: 'pt' });
  await writeFile(path.join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
}
