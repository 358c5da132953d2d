/**
 * A ready tfjs-node(-gpu) package folder in the tools cache: the registry tarball (`npm pack`,
 * integrity checked), its `deps/` pointed at the wheel's libtensorflow, and its addon
 * (`lib/napi-v8/tfjs_binding.node`) compiled by npm's bundled node-gyp with tfjs-node's own
 * binding.gyp, with our step-trace patch (binding-patch.ts). Built once (~20 s); every later
 * `npm ci` copies the folder into node_modules.
 *
 * Why not the package's own install script: it downloads libtensorflow 2.9.1 (CUDA 11.2) from
 * storage.googleapis.com, which fails offline and on current GPUs, and npm then drops the package.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toolsDir } from '../project-paths.js';
import { runCommand, tailLines } from '../run-command.js';
import { SetupError } from '../setup-error.js';
import { TOOL_VERSIONS } from '../tool-versions.js';
import { bindingPatchDigest, patchBinding } from './binding-patch.js';
import { flavorDirName, type FlavorSpec } from './native-flavors.js';
import { type LibTensorflow } from './tensorflow-wheel.js';

/** The addon tfjs-node loads on every Node >= 14 (N-API 8; the package lists 3-8). */
export const NAPI_VERSION = 8;
const ADDON = path.join('lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');

/** The assembled package folder of a flavour (what goes to node_modules/<npmPackage>). */
export async function addonPackageDir(spec: FlavorSpec): Promise<string> {
  return path.join(
    toolsDir,
    `${flavorDirName(spec)}-trace-${await bindingPatchDigest()}`,
    'package',
  );
}

export async function ensureAddonPackage(
  spec: FlavorSpec,
  lib: LibTensorflow,
  log: (line: string) => void,
): Promise<string> {
  const dir = await addonPackageDir(spec);
  if (existsSync(path.join(dir, ADDON))) return dir;

  const tarball = await packTarball(spec, log);
  const work = `${path.dirname(dir)}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const untar = await runCommand('tar', ['-xzf', tarball, '-C', work]);
  if (untar.code !== 0) {
    throw new SetupError(
      `could not unpack ${tarball}:\n${tailLines(untar.stderr, 5)}`,
      `delete ${tarball} and run the setup again`,
    );
  }
  const pkg = path.join(work, 'package');
  await linkDeps(pkg, lib);
  await patchBinding(pkg);
  log(`compiling the ${spec.npmPackage} addon against TensorFlow ${TOOL_VERSIONS.tensorflow}…`);
  await compile(pkg);
  await mkdir(path.dirname(path.join(pkg, ADDON)), { recursive: true });
  await copyFile(path.join(pkg, 'build', 'Release', 'tfjs_binding.node'), path.join(pkg, ADDON));
  // Objects are not needed at run time; the sources (binding/, src/) stay for reference.
  await rm(path.join(pkg, 'build'), { recursive: true, force: true });
  await rm(path.dirname(dir), { recursive: true, force: true });
  await rename(work, path.dirname(dir)); // atomic: a half-built package never looks ready
  return dir;
}

/** `npm pack` fetches through npm's own client and cache; the integrity pin guards the bytes. */
async function packTarball(spec: FlavorSpec, log: (line: string) => void): Promise<string> {
  const cache = path.join(toolsDir, 'cache', 'npm');
  const name = `${spec.npmPackage.slice(1).replace('/', '-')}-${TOOL_VERSIONS.tfjsNode}.tgz`;
  const file = path.join(cache, name);
  if (!existsSync(file)) {
    log(`fetching ${spec.npmPackage}@${TOOL_VERSIONS.tfjsNode} from the npm registry…`);
    await mkdir(cache, { recursive: true });
    const npm = await runCommand(
      npmCommand(),
      [
        'pack',
        `${spec.npmPackage}@${TOOL_VERSIONS.tfjsNode}`,
        '--pack-destination',
        cache,
        '--silent',
      ],
      { timeoutMs: 10 * 60_000, missingHint: 'npm comes with Node.js: put it on PATH' },
    );
    if (npm.code !== 0 || !existsSync(file)) {
      throw new SetupError(
        `npm pack ${spec.npmPackage}@${TOOL_VERSIONS.tfjsNode} failed:\n${tailLines(npm.stderr, 8)}`,
        'check access to the npm registry and run the setup again',
      );
    }
  }
  const integrity = `sha512-${createHash('sha512')
    .update(await readFile(file))
    .digest('base64')}`;
  if (integrity !== spec.npmIntegrity) {
    await rm(file, { force: true });
    throw new SetupError(
      `${file} has integrity ${integrity}, expected ${spec.npmIntegrity} (deleted it)`,
      'run the setup again to fetch it afresh',
    );
  }
  return file;
}

/**
 * binding.gyp compiles against deps/include and links -ltensorflow -ltensorflow_framework from
 * deps/lib with rpath $ORIGIN/../../deps/lib. The wheel's libtensorflow_cc.so.2 exports the C and
 * eager C API tfjs_binding calls (it is what libtensorflow.so is built from), so each name the
 * linker or loader asks for points at it. deps/nvidia covers the GPU libraries' RUNPATH
 * ($ORIGIN/../nvidia/…) whether the loader resolves $ORIGIN through the symlinks or not.
 */
async function linkDeps(pkg: string, lib: LibTensorflow): Promise<void> {
  const deps = path.join(pkg, 'deps');
  await mkdir(path.join(deps, 'lib'), { recursive: true });
  await symlink(lib.includeDir, path.join(deps, 'include'));
  const cc = path.join(lib.siteDir, 'tensorflow', 'libtensorflow_cc.so.2');
  const fw = path.join(lib.siteDir, 'tensorflow', 'libtensorflow_framework.so.2');
  for (const name of ['libtensorflow.so', 'libtensorflow.so.2', 'libtensorflow_cc.so.2']) {
    await symlink(cc, path.join(deps, 'lib', name));
  }
  for (const name of ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']) {
    await symlink(fw, path.join(deps, 'lib', name));
  }
  const nvidia = path.join(lib.siteDir, 'nvidia');
  if (existsSync(nvidia)) await symlink(nvidia, path.join(deps, 'nvidia'));
  await writeFile(path.join(deps, 'SOURCE'), `${lib.siteDir}\n`);
}

async function compile(pkg: string): Promise<void> {
  const gyp = nodeGypScript();
  const out = await runCommand(
    process.execPath,
    [
      gyp,
      'rebuild',
      `--nodedir=${nodeDir()}`,
      '--module_name=tfjs_binding',
      `--module_path=lib/napi-v${NAPI_VERSION}`,
      `--napi_build_version=${NAPI_VERSION}`,
    ],
    { cwd: pkg, timeoutMs: 10 * 60_000 },
  );
  if (out.code !== 0) {
    const text = `${out.stdout}\n${out.stderr}`;
    const noCompiler = /not found|No such file or directory.*(g\+\+|make|c\+\+)/.test(text);
    throw new SetupError(
      `node-gyp could not compile the tfjs-node addon:\n${tailLines(text, 12)}`,
      noCompiler
        ? 'install a C++ toolchain (Debian: apt-get install g++ make python3) and run the setup again'
        : 'read the compiler output above; node headers come from --nodedir (npm config nodedir, ' +
            'else the Node install prefix)',
    );
  }
}

/** npm's bundled node-gyp: npm names it in scripts (npm_config_node_gyp); else found beside npm. */
function nodeGypScript(): string {
  const fromNpm = process.env['npm_config_node_gyp'];
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const npmCli = process.env['npm_execpath'];
  const candidates = [
    ...(npmCli ? [path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp')] : []),
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
    ),
  ].map((d) => path.join(d, 'bin', 'node-gyp.js'));
  const found = candidates.find((f) => existsSync(f));
  if (!found) {
    throw new SetupError(
      `npm's bundled node-gyp was not found (looked at ${candidates.join(', ')})`,
      'run the setup through npm (npm run setup:native), or install node-gyp',
    );
  }
  return found;
}

/** Node's headers without a download: npm's `nodedir` setting, else Node's own install prefix. */
function nodeDir(): string {
  const configured = process.env['npm_config_nodedir'];
  if (configured) return configured;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  throw new SetupError(
    `Node's C headers are not under ${prefix}/include/node`,
    'install them (Debian: apt-get install libnode-dev; the nodejs.org tarballs include them), ' +
      'or set npm config nodedir',
  );
}

function npmCommand(): string {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}
