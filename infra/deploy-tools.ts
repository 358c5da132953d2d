/**
 * The tools `npm run check:deploy` runs, installed pinned from the registries into the tools
 * folder (once; later runs reuse them): helm and OpenTofu built from the Go module proxy, checkov
 * and kubernetes-validate in a Python venv from PyPI.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toolsDir } from './project-paths.js';
import { runCommand, tailLines } from './run-command.js';
import { SetupError } from './setup-error.js';
import { TOOL_VERSIONS } from './tool-versions.js';

type Log = (line: string) => void;

const GO_HINT =
  'install Go >= 1.24 (Debian: apt-get install golang) and check access to the Go module proxy';

// Go's own module and build caches (in $HOME) are shared by every clone on the machine.
const goEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  GOFLAGS: '-trimpath -modcacherw',
  ...extra,
});

/** A binary in `<tools>/<name>-<version>/`, built into a temp folder and renamed when complete. */
async function ensureGoTool(
  name: string,
  version: string,
  build: (outDir: string) => Promise<void>,
  log: Log,
): Promise<string> {
  const dir = path.join(toolsDir, `${name}-${version}`);
  const bin = path.join(dir, name);
  if (existsSync(bin)) return bin;
  log(`building ${name} ${version} into ${dir} (Go, once; a few minutes on 2 cores)…`);
  const tmp = `${dir}.tmp-${process.pid}`;
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir); // atomic: a half-built folder never looks installed
  return bin;
}

async function go(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const out = await runCommand('go', args, {
    env: opts.env ?? goEnv(),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    timeoutMs: 30 * 60_000,
    missingHint: GO_HINT,
  });
  if (out.code !== 0)
    throw new SetupError(`go ${args.join(' ')} failed:\n${tailLines(out.stderr, 10)}`, GO_HINT);
  return out.stdout;
}

/** helm, `go install helm.sh/helm/v3/cmd/helm@<version>`, its version stamped in. */
export function ensureHelm(log: Log = () => {}): Promise<string> {
  const v = TOOL_VERSIONS.helm;
  return ensureGoTool(
    'helm',
    v,
    async (out) => {
      await go(
        [
          'install',
          `-ldflags=-X helm.sh/helm/v3/internal/version.version=${v}`,
          `helm.sh/helm/v3/cmd/helm@${v}`,
        ],
        { env: goEnv({ GOBIN: out }) },
      );
    },
    log,
  );
}

/**
 * tofu. OpenTofu's go.mod has replace directives, which `go install pkg@version` refuses: the
 * module is downloaded from the proxy (`go mod download`) and built inside a copy of it.
 */
export function ensureTofu(log: Log = () => {}): Promise<string> {
  const v = TOOL_VERSIONS.opentofu;
  return ensureGoTool(
    'tofu',
    v,
    async (out) => {
      const info = JSON.parse(
        await go(['mod', 'download', '-json', `github.com/opentofu/opentofu@${v}`]),
      ) as { Dir?: string };
      if (!info.Dir)
        throw new SetupError(`go mod download gave no folder for opentofu ${v}`, GO_HINT);
      const src = path.join(os.tmpdir(), `opentofu-${v}-${process.pid}`);
      await cp(info.Dir, src, { recursive: true });
      try {
        await runCommand('chmod', ['-R', 'u+w', src]); // the module cache is read-only
        // A release build: without dev=no it calls itself v…-dev.
        const ldflags = '-ldflags=-X github.com/opentofu/opentofu/version.dev=no';
        await go(['build', ldflags, '-o', path.join(out, 'tofu'), './cmd/tofu'], { cwd: src });
      } finally {
        await rm(src, { recursive: true, force: true });
      }
    },
    log,
  );
}

/** A venv with checkov and kubernetes-validate (and nothing else we did not pin). */
export async function ensureDeployVenv(
  log: Log = () => {},
): Promise<{ checkov: string; kubernetesValidate: string }> {
  const key = `checkov-${TOOL_VERSIONS.checkov}-kv-${TOOL_VERSIONS.kubernetesValidate}`;
  const dir = path.join(toolsDir, `deploy-venv-${key}`);
  const bins = {
    checkov: path.join(dir, 'bin', 'checkov'),
    kubernetesValidate: path.join(dir, 'bin', 'kubernetes-validate'),
  };
  if (existsSync(path.join(dir, 'COMPLETE'))) return bins;
  log(
    `installing checkov ${TOOL_VERSIONS.checkov} and kubernetes-validate ${TOOL_VERSIONS.kubernetesValidate} from PyPI into ${dir} (once)…`,
  );
  await rm(dir, { recursive: true, force: true });
  const hint =
    'install python3 with venv and pip (Debian: apt-get install python3-venv python3-pip) and check access to PyPI';
  const venv = await runCommand('python3', ['-m', 'venv', dir], { missingHint: hint });
  if (venv.code !== 0)
    throw new SetupError(`python3 -m venv ${dir} failed:\n${tailLines(venv.stderr, 5)}`, hint);
  const pip = await runCommand(
    path.join(dir, 'bin', 'pip'),
    [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `checkov==${TOOL_VERSIONS.checkov}`,
      `kubernetes-validate==${TOOL_VERSIONS.kubernetesValidate}`,
    ],
    { timeoutMs: 30 * 60_000 },
  );
  if (pip.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new SetupError(
      `pip install checkov kubernetes-validate failed:\n${tailLines(pip.stderr, 10)}`,
      hint,
    );
  }
  await runCommand('touch', [path.join(dir, 'COMPLETE')]);
  return bins;
}
