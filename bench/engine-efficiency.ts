// Section 4: how close training gets to what the backend and the machine can do. Three rates,
// measured in the same run: achieved training FLOP/s (from speed.ts), the backend's own large
// plain 2-D matMul, and the machine's BLAS (numpy, all threads and one thread: the WASM
// backend runs one thread under Node, see docs/engine.md).
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { projectRoot, toolsDir } from '../infra/project-paths.js';
import { summarize, type Summary } from './summary.js';

const run = promisify(execFile);

export interface MatMulRate {
  shape: string;
  /** When in the bench run it was measured (the machine's load drifts). */
  at: 'start' | 'end';
  flops: number;
  /** FLOP/s over the repetitions (best = max). */
  rate: Summary;
}

/** Plain 2-D matMul [m,k]·[k,n] on the active backend. */
export function backendMatMulRate(
  m: number,
  k: number,
  n: number,
  reps: number,
  at: MatMulRate['at'],
): MatMulRate {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  const once = () => tf.tidy(() => void tf.matMul(a, b).dataSync());
  once();
  const flops = 2 * m * k * n;
  const rates: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    once();
    rates.push(flops / ((performance.now() - t0) / 1000));
  }
  tf.dispose([a, b]);
  return { shape: `[${m},${k}]·[${k},${n}]`, at, flops, rate: summarize(rates) };
}

export interface BlasRate {
  available: boolean;
  reason?: string;
  python?: string;
  numpy?: string;
  n?: number;
  flopsPerSec?: number;
  flopsPerSecOneThread?: number;
  /** What threadpoolctl reports: internal_api (openblas, mkl, …), version, architecture (the kernel), threads. */
  kernel?: {
    internalApi: string;
    version: string | null;
    architecture: string | null;
    threadingLayer: string | null;
    numThreads: number;
  }[];
}

export const BLAS_VENV = path.join(toolsDir, 'bench-py');
export const BLAS_REQUIREMENTS = ['numpy==2.4.6', 'threadpoolctl==3.8.0'];

/** python3 with numpy + threadpoolctl: .tools/bench-py, created on first use. */
async function blasPython(log: (line: string) => void): Promise<string> {
  const py = path.join(BLAS_VENV, 'bin', 'python');
  if (await stat(py).catch(() => null)) {
    const ok = await run(py, ['-c', 'import numpy, threadpoolctl']).then(
      () => true,
      () => false,
    );
    if (ok) return py;
  }
  log(`creating ${BLAS_VENV} (${BLAS_REQUIREMENTS.join(', ')})`);
  await run('python3', ['-m', 'venv', BLAS_VENV]);
  await run(path.join(BLAS_VENV, 'bin', 'pip'), ['install', '-q', ...BLAS_REQUIREMENTS], {
    maxBuffer: 16 << 20,
  });
  return py;
}

export async function machineBlasRate(
  n: number,
  reps: number,
  log: (line: string) => void,
): Promise<BlasRate> {
  let py: string;
  try {
    py = await blasPython(log);
  } catch (err) {
    return {
      available: false,
      reason: `numpy unavailable: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  // OpenBLAS settings pinned for other jobs on this machine would pick a generic kernel: this one
  // command runs without them so the BLAS figure is the machine's own.
  const env = { ...process.env };
  delete env['OPENBLAS_CORETYPE'];
  delete env['OPENBLAS_L2_SIZE'];
  const script = path.join(projectRoot, 'bench', 'blas-rate.py');
  const { stdout } = await run(py, [script, String(n), String(reps)], { env, maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout) as {
    n: number;
    flopsPerSec: number;
    flopsPerSecOneThread: number;
    numpy: string;
    threadpools: Record<string, unknown>[];
  };
  const { stdout: version } = await run(py, ['--version']);
  return {
    available: true,
    python: version.trim(),
    numpy: r.numpy,
    n: r.n,
    flopsPerSec: r.flopsPerSec,
    flopsPerSecOneThread: r.flopsPerSecOneThread,
    kernel: r.threadpools
      .filter((t) => t['user_api'] === 'blas')
      .map((t) => ({
        internalApi: String(t['internal_api']),
        version: (t['version'] as string | null) ?? null,
        architecture: (t['architecture'] as string | null) ?? null,
        threadingLayer: (t['threading_layer'] as string | null) ?? null,
        numThreads: Number(t['num_threads']),
      })),
  };
}
