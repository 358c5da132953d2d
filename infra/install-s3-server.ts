import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { toolsDir } from './project-paths.js';
import { runCommand, tailLines } from './run-command.js';
import { SetupError } from './setup-error.js';
import { TOOL_VERSIONS } from './tool-versions.js';

const version = TOOL_VERSIONS.versitygw;
const MODULE = 'github.com/versity/versitygw/cmd/versitygw';

/**
 * Path of the pinned S3 server binary (Versity S3 Gateway): $ELO_S3_SERVER_BIN, the project-local
 * copy, or a fresh `go install` from the Go module proxy into .tools/ (a couple of minutes, once).
 */
export async function ensureS3Server(log: (line: string) => void = () => {}): Promise<string> {
  const fromEnv = process.env['ELO_S3_SERVER_BIN'];
  if (fromEnv) return fromEnv;
  const versionDir = path.join(toolsDir, `versitygw-${version}`);
  const local = path.join(versionDir, 'versitygw');
  if (await works(local)) return local;

  log(
    `building the S3 server versitygw ${version} into ${versionDir} (go install, once; ~2-3 min)…`,
  );
  const gobin = `${versionDir}.tmp-${process.pid}`;
  await mkdir(gobin, { recursive: true });
  const go = await runCommand('go', ['install', `${MODULE}@${version}`], {
    env: {
      ...process.env,
      GOBIN: gobin,
      // Go's own module and build caches (in $HOME) are shared by every clone on the machine.
      GOFLAGS: '-trimpath -modcacherw',
    },
    timeoutMs: 15 * 60_000,
    missingHint:
      'install Go ≥ 1.24 (Debian: apt-get install golang, or a release from the Go module proxy), ' +
      'or set ELO_S3_SERVER_BIN to a versitygw binary',
  });
  if (go.code !== 0) {
    await rm(gobin, { recursive: true, force: true });
    throw new SetupError(
      `go install ${MODULE}@${version} failed:\n${tailLines(go.stderr, 10)}`,
      'check access to the Go module proxy, or set ELO_S3_SERVER_BIN to a versitygw binary',
    );
  }
  await rm(versionDir, { recursive: true, force: true });
  await rename(gobin, versionDir); // atomic: a half-built folder never looks installed
  return local;
}

async function works(bin: string): Promise<boolean> {
  try {
    return (await runCommand(bin, ['--version'], { timeoutMs: 30_000 })).code === 0;
  } catch {
    return false;
  }
}
