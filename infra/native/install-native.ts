/**
 * Puts a working tfjs-node(-gpu) into node_modules: the assembled package from the tools cache
 * (built on first use) is copied in and loaded once in a child process to prove the addon and
 * its libraries resolve. `npm ci` wipes node_modules, so `prepare` runs this after every install;
 * with the cache warm it takes a couple of seconds.
 */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../project-paths.js';
import { runCommand, tailLines } from '../run-command.js';
import { SetupError } from '../setup-error.js';
import { TOOL_VERSIONS } from '../tool-versions.js';
import { FLAVORS, type NativeFlavor } from './native-flavors.js';
import { ensureLibTensorflow } from './tensorflow-wheel.js';
import { ensureAddonPackage } from './tfjs-node-addon.js';

export interface NativeCheck {
  backend: string;
  tfVersion: string;
  usingGpu: boolean;
  /** The addon has the step-trace patch (binding-patch.ts). */
  traced: boolean;
}

/** The steps, named in every failure so a person knows where it broke. */
export type NativeStep = 'download TensorFlow wheel' | 'build addon' | 'install' | 'load check';

export class NativeSetupError extends SetupError {
  constructor(
    readonly step: NativeStep,
    cause: SetupError | Error,
  ) {
    const hint = cause instanceof SetupError ? cause.hint : 'see the message above';
    const message = cause instanceof SetupError ? cause.message.split('\n  → ')[0]! : cause.message;
    super(`native TensorFlow setup, step "${step}": ${message}`, hint);
  }
}

async function step<T>(name: NativeStep, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new NativeSetupError(name, err instanceof Error ? err : new Error(String(err)));
  }
}

export async function installNative(
  flavor: NativeFlavor,
  log: (line: string) => void,
): Promise<NativeCheck> {
  const spec = FLAVORS[flavor];
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new NativeSetupError(
      'download TensorFlow wheel',
      new SetupError(
        `the native route is built for linux x64 (this is ${process.platform} ${process.arch})`,
        'the engine runs on WASM here; see docs/engine.md for other platforms',
      ),
    );
  }
  const lib = await step('download TensorFlow wheel', () => ensureLibTensorflow(spec, log));
  const pkgDir = await step('build addon', () => ensureAddonPackage(spec, lib, log));
  const target = path.join(projectRoot, 'node_modules', ...spec.npmPackage.split('/'));
  await step('install', async () => {
    await rm(target, { recursive: true, force: true });
    // A copy, not a symlink: Node resolves a package's own imports (@tensorflow/tfjs) from its
    // real path, and they must resolve to this project's single tfjs-core.
    await cp(pkgDir, target, { recursive: true, verbatimSymlinks: true });
  });
  return step('load check', () => checkLoads(spec.npmPackage));
}

/** Loads the package in a fresh process (tfjs has one backend per process) and reports it. */
export async function checkLoads(npmPackage: string): Promise<NativeCheck> {
  const code =
    `const tf = require(${JSON.stringify(npmPackage)});` +
    `const b = tf.backend();` +
    `process.stdout.write(JSON.stringify({ backend: tf.getBackend(), tfVersion: b.binding.TF_Version, usingGpu: !!b.isUsingGpuDevice, traced: typeof b.binding.traceBegin === 'function' }));`;
  const out = await runCommand(process.execPath, ['-e', code], {
    cwd: projectRoot,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    timeoutMs: 120_000,
  });
  if (out.code !== 0) {
    throw new SetupError(
      `${npmPackage} does not load:\n${tailLines(out.stderr, 8)}`,
      'delete the tfjs-node-* and libtensorflow-* folders in the tools folder and run ' +
        '`npm run setup:native` again',
    );
  }
  const check = JSON.parse(out.stdout) as NativeCheck;
  if (
    check.backend !== 'tensorflow' ||
    check.tfVersion !== TOOL_VERSIONS.tensorflow ||
    !check.traced
  ) {
    throw new SetupError(
      `${npmPackage} loaded backend ${check.backend} with TensorFlow ${check.tfVersion}, ` +
        `${check.traced ? '' : 'and no step tracing, '}expected tensorflow ${TOOL_VERSIONS.tensorflow} ` +
        'with the step-trace patch (binding-patch.ts)',
      'run `npm run setup:native` again',
    );
  }
  return check;
}
