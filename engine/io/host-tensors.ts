// Host tensors <-> safetensors files (through formats/), all float32.
import { SafetensorsFile, SafetensorsWriter } from '../../formats/index.js';
import type { HostTensor, HostWeights } from '../model/weights.js';

/** Float dtypes a file can be written in (float32 data is rounded for F16/BF16). */
export type FloatDType = 'F32' | 'BF16' | 'F16';

/**
 * A tensor read from the backend only when its turn to be written comes: saving a model or the
 * optimizer's moments then holds one tensor's host copy at a time, not all of them (what made a
 * training job's RSS peak at its final checkpoint).
 */
export interface LazyHostTensor {
  shape: number[];
  read: () => Float32Array;
}

export async function writeHostTensors(
  path: string,
  tensors: HostWeights | Map<string, LazyHostTensor>,
  metadata?: Record<string, string>,
  dtype: FloatDType = 'F32',
): Promise<void> {
  const entries = [...(tensors as Map<string, HostTensor | LazyHostTensor>)];
  const specs = entries.map(([name, t]) => ({ name, dtype, shape: t.shape }));
  const w = await SafetensorsWriter.create(path, specs, metadata);
  try {
    for (const [name, t] of entries)
      await w.writeTensor({ name, data: 'read' in t ? t.read() : t.data });
    await w.close();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

/** Reads the named tensors that the file has (default: all), widened to float32. */
export async function readHostTensors(
  path: string,
  names?: readonly string[],
): Promise<HostWeights> {
  const file = await SafetensorsFile.open(path);
  try {
    const out: HostWeights = new Map();
    const present = new Set(file.tensorNames());
    for (const name of names ?? file.tensorNames()) {
      if (!present.has(name)) continue; // the caller reports what is missing, with context
      const t = await file.readTensor(name, { asFloat32: true });
      out.set(name, { shape: [...t.shape], data: t.data as Float32Array });
    }
    return out;
  } finally {
    await file.close();
  }
}
