// Backend selection: native TensorFlow when it is installed (GPU on a GPU machine), else WASM, else
// pure JS; ELO_BACKEND forces one. How the native packages get installed: docs/engine.md.
import * as tf from '@tensorflow/tfjs-core';
import { registerEngineKernels } from './kernels/register-kernels.js';
import { nativeEnvDefaults, type NativeSettings, tracedStepsWanted } from './native-settings.js';
import { nvidiaGpuVisible } from './gpu-visible.js';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Preference order: native TF (GPU, then CPU), WASM (XNNPACK, one thread under Node), pure JS. */
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
  /** For the native backends: the TensorFlow library version and the pinned threading settings. */
  native?: NativeSettings & { tfVersion: string };
}

let active: BackendInfo | null = null;

const SETUP_FIX = 'run `npm run setup:native` (its output names the step that fails)';

/** A backend that cannot be used here, with the one line that says how to fix it. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}

// Packages are named through a variable so tsc does not need the native ones installed.
async function importOptional(pkg: string): Promise<void> {
  try {
    await import(pkg);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const missing = /Cannot find (package|module)/.test(msg) && msg.includes(pkg);
    throw new BackendUnavailableError(
      missing ? `${pkg} is not installed` : `${pkg} failed to load: ${msg.split('\n')[0]}`,
    );
  }
}

/** The tfjs-node backend's binding (no public typings): what we read from it. */
interface NativeBackendInternals {
  binding: { TF_Version: string };
  isUsingGpuDevice: boolean;
}

async function tryBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
      if (!nvidiaGpuVisible()) {
        throw new BackendUnavailableError(
          'no NVIDIA GPU is visible here (no /proc/driver/nvidia/version)',
        );
      }
      nativeEnvDefaults();
      await importOptional('@tensorflow/tfjs-node-gpu');
      break;
    case 'tensorflow':
      nativeEnvDefaults();
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
  if (
    name === 'tensorflow-gpu' &&
    !(tf.backend() as unknown as NativeBackendInternals).isUsingGpuDevice
  ) {
    throw new BackendUnavailableError(
      'TensorFlow found no usable CUDA device (driver or CUDA libraries)',
    );
  }
  return tfName;
}

export function parseRequested(value: string | undefined): BackendName | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new BackendUnavailableError(
    `ELO_BACKEND=${value}: expected auto or one of ${BACKEND_ORDER.join(', ')} ` +
      `(unset it to pick the fastest that loads)`,
  );
}

/** What auto tries: the GPU build only where a GPU is, so a CPU machine never lists it as failed. */
function autoCandidates(): BackendName[] {
  return BACKEND_ORDER.filter((n) => n !== 'tensorflow-gpu' || nvidiaGpuVisible());
}

/** The fix for a backend that was asked for by name and does not load. */
function fixFor(name: BackendName): string {
  switch (name) {
    case 'tensorflow-gpu':
      return nvidiaGpuVisible()
        ? `${SETUP_FIX.replace('setup:native`', 'setup:native -- --gpu`')}, or use ELO_BACKEND=tensorflow`
        : 'use ELO_BACKEND=tensorflow (or unset it) on a machine without a GPU';
    case 'tensorflow':
      return `${SETUP_FIX}, or use ELO_BACKEND=wasm`;
    default:
      return 'reinstall the dependencies (npm ci)';
  }
}

export interface InitBackendOptions {
  /** Overrides ELO_BACKEND. */
  backend?: BackendName | 'auto';
  /** Where the one-line choice is logged; default console.error (stdout stays machine-readable). */
  log?: (line: string) => void;
}

/**
 * Picks and initialises the backend once per process, registers the engine's kernels for it and
 * logs the choice in one line. Later calls return the first result (tfjs has one global engine).
 * A backend asked for by name that cannot run is an error whose message is the fix; under auto,
 * a native build that does not load is a visible warning and the next backend runs.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (active) return active;
  const requested = opts.backend ?? parseRequested(process.env['ELO_BACKEND']);
  tracedStepsWanted(); // a bad ELO_TRACE is an error here, never a reason to fall back to WASM
  const log = opts.log ?? ((line: string) => console.error(line));
  const candidates = requested === 'auto' ? autoCandidates() : [requested];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of candidates) {
    try {
      const tfName = await tryBackend(name);
      registerEngineKernels(tfName);
      active = { requested, name, tfName, skipped, ...nativeInfo(tfName) };
      for (const s of skipped.filter((s) => s.name.startsWith('tensorflow'))) {
        log(`[engine] WARNING: ${s.name} unavailable (${s.reason}); ${fixFor(s.name)}`);
      }
      log(`[engine] backend: ${name}${describe(active)}`);
      return active;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (requested !== 'auto') {
        throw new BackendUnavailableError(`ELO_BACKEND=${name}: ${reason}; ${fixFor(name)}`);
      }
      skipped.push({ name, reason });
    }
  }
  throw new Error(
    `no tfjs backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

function nativeInfo(tfName: string): Pick<BackendInfo, 'native'> {
  if (tfName !== 'tensorflow') return {};
  const be = tf.backend() as unknown as NativeBackendInternals;
  return { native: { ...nativeEnvDefaults(), tfVersion: be.binding.TF_Version } };
}

function describe(info: BackendInfo): string {
  const parts: string[] = [];
  if (info.native) {
    const n = info.native;
    parts.push(
      `TensorFlow ${n.tfVersion}, ${n.intraOpThreads} threads, oneDNN ${n.oneDnn ? 'on' : 'off'}, ` +
        `steps ${n.tracedSteps ? 'traced' : 'eager'}`,
    );
  }
  if (info.skipped.length) parts.push(`skipped: ${info.skipped.map((s) => s.name).join(', ')}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** The backend chosen by initBackend, or null before it ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
