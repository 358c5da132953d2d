// Threading and determinism of native TensorFlow, pinned through the environment variables
// TensorFlow reads when its library loads (tfjs-node creates its eager context with default
// options, so the environment is the only handle). Each is set only where the user has not.
import os from 'node:os';

export interface NativeSettings {
  /** Threads one op may use (TF_NUM_INTRAOP_THREADS; ELO_THREADS, default: all cores). */
  intraOpThreads: number;
  /**
   * Ops run at once (TF_NUM_INTEROP_THREADS, default 2): a traced step's function runs
   * independent ops side by side (eager ops run one after another whatever it is). Results do not
   * depend on it: a kernel splits its work by the intra-op pool alone.
   */
  interOpThreads: number;
  /** TF_DETERMINISTIC_OPS=1: ops with a nondeterministic kernel fail instead of varying. */
  deterministicOps: boolean;
  /** TF_ENABLE_ONEDNN_OPTS: oneDNN's kernels (see docs/engine.md for why on/off). */
  oneDnn: boolean;
  /** ELO_TRACE (default 1): training steps run as one TensorFlow function (kernels/step-trace.ts). */
  tracedSteps: boolean;
}

/** Applies the defaults (idempotent; must run before tfjs-node is imported) and reports them. */
export function nativeEnvDefaults(env: NodeJS.ProcessEnv = process.env): NativeSettings {
  const threads = env['ELO_THREADS'] ?? String(os.availableParallelism());
  env['TF_NUM_INTRAOP_THREADS'] ??= threads;
  env['TF_NUM_INTEROP_THREADS'] ??= '2';
  env['TF_DETERMINISTIC_OPS'] ??= '1';
  env['TF_ENABLE_ONEDNN_OPTS'] ??= '1';
  // TensorFlow's INFO lines (oneDNN, CPU features) on every start are noise in worker logs.
  env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
  return {
    intraOpThreads: Number(env['TF_NUM_INTRAOP_THREADS']),
    interOpThreads: Number(env['TF_NUM_INTEROP_THREADS']),
    deterministicOps: env['TF_DETERMINISTIC_OPS'] === '1' || env['TF_DETERMINISTIC_OPS'] === 'true',
    oneDnn: env['TF_ENABLE_ONEDNN_OPTS'] !== '0',
    tracedSteps: tracedStepsWanted(env),
  };
}

/** ELO_TRACE: unset or 1 = traced steps (the default), 0 = eager; anything else is an error. */
export function tracedStepsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['ELO_TRACE'];
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(
    `ELO_TRACE=${value}: expected 1 (training steps traced, the default) or 0 (eager steps)`,
  );
}
