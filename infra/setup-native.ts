/**
 * `npm run setup:native [-- --gpu] [--strict]` (also run by `prepare`, i.e. after every `npm ci`
 * / `npm install`): installs the native TensorFlow backend the engine prefers — tfjs-node with an
 * addon built against PyPI's TensorFlow wheel — into node_modules, from the tools cache when it is
 * there. `--gpu` (or an NVIDIA driver on this machine) also installs tfjs-node-gpu with CUDA 12
 * from PyPI. A failure names the step and the fix; without --strict it is a warning and the
 * engine falls back to WASM, so an offline `npm ci` still succeeds. ELO_NATIVE=off skips it.
 */
import { existsSync } from 'node:fs';
import { installNative } from './native/install-native.js';
import { type NativeFlavor } from './native/native-flavors.js';
import { SetupError } from './setup-error.js';

const log = (line: string) => console.error(`[setup-native] ${line}`);

/** An NVIDIA kernel driver is loaded: a GPU worker can use tfjs-node-gpu here. */
function nvidiaDriverPresent(): boolean {
  return existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidiactl');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  if (process.env['ELO_NATIVE'] === 'off') {
    log('ELO_NATIVE=off: skipped; the engine runs on WASM');
    return 0;
  }
  const flavors: NativeFlavor[] = ['cpu'];
  if (args.includes('--gpu') || nvidiaDriverPresent()) flavors.push('gpu');
  let failed = false;
  for (const flavor of flavors) {
    const started = Date.now();
    try {
      const check = await installNative(flavor, log);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      log(
        `${flavor === 'gpu' ? 'tensorflow-gpu' : 'tensorflow'}: ready (TensorFlow ${check.tfVersion}` +
          `${flavor === 'gpu' ? `, GPU device ${check.usingGpu ? 'in use' : 'not visible'}` : ''}, ${secs} s)`,
      );
    } catch (err) {
      failed = true;
      const text = err instanceof SetupError ? err.message : String(err);
      log(`WARNING: ${text}`);
      log(
        flavor === 'cpu'
          ? 'the engine falls back to WASM (several times slower) until this is fixed; then run `npm run setup:native`'
          : 'GPU workers fall back to the CPU backends until this is fixed; then run `npm run setup:native -- --gpu`',
      );
    }
  }
  return failed && strict ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
