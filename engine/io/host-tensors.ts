// Host tensors <-> safetensors files (through formats/), all float32.
import { SafetensorsFile, writeSafetensors } from '../../formats/index.js';
import type { HostWeights } from '../model/weights.js';

export async function writeHostTensors(
  path: string,
  tensors: HostWeights,
  metadata?: Record<string, string>,
): Promise<void> {
  const list = [...tensors].map(([name, t]) => ({
    name,
    dtype: 'F32' as const,
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
