/**
 * `npm test` (after build, format and lint): starts a real Temporal dev server and a real S3 server
 * on loopback, runs every compiled test file with node's test runner against them, and stops both.
 * `npm test -- <substring>…` runs only the test files whose path contains one of the substrings;
 * servers start only when an integration test is selected. `--faults` runs the fault suite
 * (test/faults/: servers and workers killed, disks filled; minutes) instead of the default suite.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from './project-paths.js';
import { s3ServerEnv, startS3Server, type S3Server } from './s3-server.js';
import { exitOnError } from './setup-error.js';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server.js';
import { SEARCH_ATTRIBUTES } from '../pipeline/search-attributes.js';

const log = (line: string) => console.log(`[test-run] ${line}`);

// The AWS SDK's notice that it will want Node 22 from 2027 would repeat in every test process.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

async function run(): Promise<number> {
  const faults = process.argv.includes('--faults');
  const filters = process.argv.slice(2).filter((a) => a !== '--faults');
  const faultDir = `${path.sep}faults${path.sep}`;
  // Match on the path inside the project, so a checkout folder's own name never matches.
  const files = (await findTestFiles(path.join(projectRoot, 'dist', 'test'))).filter(
    (f) =>
      f.includes(faultDir) === faults &&
      (filters.length === 0 || filters.some((s) => path.relative(projectRoot, f).includes(s))),
  );
  if (files.length === 0) throw new Error(`no test files match ${filters.join(' ')}`);
  const needsServers = faults || files.some((f) => f.includes(`${path.sep}integration${path.sep}`));

  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-test-'));
  let temporal: DevServer | undefined;
  let s3: S3Server | undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELO_TEST_SCRATCH: scratch,
  };
  try {
    if (needsServers) {
      [temporal, s3] = await Promise.all([
        startTemporalDevServer({
          searchAttributes: SEARCH_ATTRIBUTES,
          dbFile: path.join(scratch, 'temporal.db'),
          ui: false,
          log,
        }),
        // Throwaway credentials: a developer's real AWS keys never reach the local server.
        startS3Server({
          dataDir: path.join(scratch, 's3'),
          bucket: 'elo-test',
          credentials: {
            accessKeyId: `test-${randomBytes(6).toString('hex')}`,
            secretAccessKey: randomBytes(24).toString('hex'),
          },
          log,
        }),
      ]);
      log(`Temporal at ${temporal.address}; S3 at ${s3.endpoint} (bucket ${s3.bucket})`);
      Object.assign(env, { TEMPORAL_ADDRESS: temporal.address }, s3ServerEnv(s3));
    }
    // Faults break shared servers and fill disks: one file at a time.
    return await runNodeTests(files, env, faults ? ['--test-concurrency=1'] : []);
  } finally {
    await Promise.all([temporal?.stop(), s3?.stop()]);
    await rm(scratch, { recursive: true, force: true });
  }
}

function runNodeTests(files: string[], env: NodeJS.ProcessEnv, extra: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        '--test-reporter=spec',
        ...extra,
        ...files.map((f) => path.relative(projectRoot, f)),
      ],
      { cwd: projectRoot, env, stdio: 'inherit' },
    );
    // Ctrl-C reaches the child through the terminal; wait for it so the servers stop afterwards.
    process.on('SIGINT', () => {});
    // A kill (CI cancelling, \`kill <pid>\`) has no terminal: pass it on, so the servers still stop.
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function findTestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.js'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

run()
  .then((code) => process.exit(code))
  .catch(exitOnError);
