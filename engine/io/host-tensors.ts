// Host tensors <-> safetensors files (through formats/), all float32.
import { SafetensorsFile, writeSafetensors } from '../../formats/index.js';
import type { HostWeights } from '../model/weights.js';

/** Float dtypes a file can be written in (float32 data is rounded for F16/BF16). */
export type FloatDType = 'F32' | 'BF16' | 'F16';

export async function writeHostTensors(
  path: string,
  tensors: HostWeights,
  metadata?: Record<string, string>,
  dtype: FloatDType = 'F32',
): Promise<void> {
  const list = [...tensors].map(([name, t]) => ({
    name,
    dtype,
    shape: t.shape,
    data: t.data,
  }));
  await writeSafetensors(path, list, metadata);
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
