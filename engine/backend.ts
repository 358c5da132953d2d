// Backend selection: the fastest tfjs backend that loads here, overridable by ELO_BACKEND.
import * as tf from '@tensorflow/tfjs-core';
import { registerEngineKernels } from './kernels/register-kernels.js';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Preference order: native TF (GPU, then CPU), WASM (XNNPACK, ~20 GFLOP/s here), pure JS. */
export const BACKEND_ORDER: readonly BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
];

export interface BackendInfo {
  /** What was asked for (env, option or 'auto'). */
  requested: BackendName | 'auto';
  /** What runs: our name for it. */
  name: BackendName;
  /** tf.getBackend(): 'tensorflow' for both native flavours. */
  tfName: string;
  /** Backends that were tried first and failed to load, with the reason. */
  skipped: { name: BackendName; reason: string }[];
}

let active: BackendInfo | null = null;

// Packages are named through a variable so tsc does not need the optional ones installed.
async function importOptional(pkg: string): Promise<void> {
  await import(pkg);
}

async function tryBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
      await importOptional('@tensorflow/tfjs-node-gpu');
      break;
    case 'tensorflow':
      await importOptional('@tensorflow/tfjs-node');
      break;
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      break;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      break;
  }
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  // setBackend resolves false (it does not throw) when the backend fails to initialise.
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed`);
  await tf.ready();
  return tfName;
}

function parseRequested(value: string | undefined): BackendName | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`ELO_BACKEND=${value}: expected auto or one of ${BACKEND_ORDER.join(', ')}`);
}

export interface InitBackendOptions {
  /** Overrides ELO_BACKEND. */
  backend?: BackendName | 'auto';
  /** Where the one-line choice is logged; default console.error (stdout stays machine-readable). */
  log?: (line: string) => void;
}

/**
 * Picks and initialises the backend once per process, registers the engine's kernels for it and
 * logs the choice. Later calls return the first result (tfjs has one global engine).
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (active) return active;
  const requested = opts.backend ?? parseRequested(process.env['ELO_BACKEND']);
  const candidates = requested === 'auto' ? BACKEND_ORDER : [requested];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of candidates) {
    try {
      const tfName = await tryBackend(name);
      registerEngineKernels(tfName);
      active = { requested, name, tfName, skipped };
      const log = opts.log ?? ((line: string) => console.error(line));
      log(
        `[engine] backend: ${name}` +
          (skipped.length ? ` (skipped: ${skipped.map((s) => s.name).join(', ')})` : ''),
      );
      return active;
    } catch (err) {
      skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(
    `no tfjs backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

/** The backend chosen by initBackend, or null before it ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
