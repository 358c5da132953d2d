/**
 * The worker image, built and run for real: build-image.sh builds it from Debian roots, then the
 * container joins a local Temporal dev server as a worker (S3 store on a local versitygw) and
 * `examples/tiny.yaml` must complete on it, started with `elo run` from this machine. Its
 * Prometheus endpoint is scraped while the run trains, and `podman stop` (SIGTERM) must end it
 * cleanly.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult } from './deploy-checks.js';
import { DEPLOY_DIR } from './deploy-checks.js';
import { projectRoot } from './project-paths.js';
import { runCommand, tailLines } from './run-command.js';
import { s3ServerEnv, startS3Server } from './s3-server.js';
import { startTemporalDevServer } from './temporal-dev-server.js';
import { freePort } from './ports.js';
import { SEARCH_ATTRIBUTES } from '../pipeline/search-attributes.js';

type Log = (line: string) => void;

/** This machine's container quirks, harmless elsewhere (same rule as build-image.sh). */
function podmanFlags(): string[] {
  // Hybrid cgroups (a cgroup2 mount under a v1 tree): crun refuses them, runc copes.
  return existsSync('/sys/fs/cgroup/unified/cgroup.controllers') ? ['--runtime', 'runc'] : [];
}

/**
 * Containers may not raise rlimits above ours where root lacks CAP_SYS_RESOURCE: ask for less.
 * The image's HEALTHCHECK would need systemd timers; the check watches the worker itself.
 */
const RUN_LIMITS = [
  ...['--ulimit', 'nofile=8192:8192', '--ulimit', 'nproc=32768:32768'],
  '--no-healthcheck',
];

async function podman(args: string[], timeoutMs = 120_000) {
  return runCommand('podman', [...podmanFlags(), ...args], {
    timeoutMs,
    missingHint: 'install podman (Debian: apt-get install podman mmdebstrap)',
  });
}

/** Builds the image of `kind`; returns its tag (or the failure). */
export async function buildImage(
  kind: 'cpu' | 'gpu',
  log: Log,
): Promise<{ result: CheckResult; tag?: string }> {
  const started = Date.now();
  log(`building the ${kind} image (build-image.sh; the first build makes the Debian roots)…`);
  const out = await runCommand('bash', [path.join(DEPLOY_DIR, 'image', 'build-image.sh'), kind], {
    timeoutMs: 90 * 60_000,
  });
  const secs = Math.round((Date.now() - started) / 1000);
  const tag = out.stdout.trim().split('\n').at(-1);
  if (out.code !== 0 || !tag)
    return {
      result: {
        name: `${kind} image build`,
        ok: false,
        summary: `build-image.sh ${kind} failed after ${secs} s`,
        detail: tailLines(out.stderr, 30),
      },
    };
  const inspect = await podman(['image', 'inspect', tag, '--format', '{{.Size}} {{.Config.User}}']);
  const [size, user] = inspect.stdout.trim().split(' ');
  const mb = Math.round(Number(size) / 1e6);
  return {
    tag,
    result: {
      name: `${kind} image build`,
      ok: user === '10001:10001',
      summary: `${tag}: ${mb} MB, user ${user}, built in ${secs} s`,
    },
  };
}

/** The final stage carries no compiler, package manager or Python. */
export async function checkNoBuildTools(tag: string): Promise<CheckResult> {
  // dpkg itself stays: it is Essential in Debian, and without apt it installs nothing.
  const tools = ['gcc', 'g++', 'cc', 'make', 'python3', 'pip3', 'npm', 'apt-get', 'git'];
  const out = await podman([
    ...['run', '--rm', '--network=none', ...RUN_LIMITS, '--entrypoint', 'sh', tag],
    ...['-c', `for t in ${tools.join(' ')}; do command -v $t; done; true`],
  ]);
  const found = out.stdout.trim();
  return {
    name: 'image: no build tools',
    ok: out.code === 0 && found === '',
    summary: found ? `found: ${found.split('\n').join(', ')}` : `none of ${tools.join(', ')}`,
    detail: out.stderr,
  };
}

interface Scrape {
  step: number;
  temporalSeries: number;
  budget: number;
}

async function scrape(port: number): Promise<Scrape | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    return {
      step: Math.max(
        0,
        ...[...text.matchAll(/^elo_train_step\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1])),
      ),
      temporalSeries: text.split('\n').filter((l) => l.startsWith('temporal_')).length,
      budget: value(/^elo_worker_memory_budget_bytes(?:\{[^}]*\})? (\d+)/m),
    };
  } catch {
    return undefined; // not up yet
  }
}

/**
 * Runs the image as a worker of every queue against local servers and `examples/tiny.yaml` on it.
 * The project's data folder is mounted at the same path, read-only: the run config names the
 * shipped model and corpora by their paths on this machine, as a shared filesystem would.
 */
export async function runTinyOnImage(tag: string, scratch: string, log: Log): Promise<CheckResult> {
  const name = `elo-check-${process.pid}`;
  const temporal = await startTemporalDevServer({
    searchAttributes: SEARCH_ATTRIBUTES,
    dbFile: path.join(scratch, 'temporal.db'),
    ui: false,
    log,
  });
  const s3 = await startS3Server({
    dataDir: path.join(scratch, 's3'),
    bucket: 'elo-check',
    credentials: {
      accessKeyId: `check-${randomBytes(6).toString('hex')}`,
      secretAccessKey: randomBytes(24).toString('hex'),
    },
    log,
  });
  const suffix = randomBytes(4).toString('hex');
  const queues = { ELO_CPU_QUEUE: `check-${suffix}-cpu`, ELO_GPU_QUEUE: `check-${suffix}-gpu` };
  const metricsPort = await freePort();
  const s3Env = s3ServerEnv(s3);
  const workerEnv: Record<string, string> = {
    ELO_WORKER_ROLE: 'all',
    TEMPORAL_ADDRESS: temporal.address,
    ...queues,
    ELO_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    ELO_MEMORY_BUDGET: String(4 * 2 ** 30),
    ...(Object.fromEntries(
      Object.entries(s3Env).filter(([k]) => k.startsWith('ELO_S3') || k.startsWith('AWS_')),
    ) as Record<string, string>),
  };
  const data = path.join(projectRoot, 'data');
  try {
    const run = await podman([
      ...['run', '-d', '--name', name, '--network=host'],
      // As the chart runs it: read-only root, scratch in /tmp, every capability dropped.
      ...[
        '--read-only',
        '--tmpfs',
        '/tmp:rw,size=2g',
        '--cap-drop=ALL',
        '--security-opt=no-new-privileges',
      ],
      ...RUN_LIMITS,
      ...['-v', `${data}:${data}:ro`],
      ...Object.entries(workerEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      tag,
    ]);
    if (run.code !== 0)
      return {
        name: 'image runs tiny.yaml',
        ok: false,
        summary: 'podman run failed',
        detail: run.stderr,
      };
    const joined = await waitForLog(name, /elo all worker:/, 180_000);
    if (!joined.ok)
      return {
        name: 'image runs tiny.yaml',
        ok: false,
        summary: 'the worker never said it polls',
        detail: joined.logs,
      };
    log(
      `worker container ${name} polls ${queues.ELO_CPU_QUEUE}, ${queues.ELO_GPU_QUEUE}; starting examples/tiny.yaml…`,
    );

    const runName = `tiny-image-${suffix}`;
    const cli = spawn(
      process.execPath,
      [
        path.join(projectRoot, 'dist', 'cli', 'main.js'),
        'run',
        'examples/tiny.yaml',
        '--name',
        runName,
        '--watch',
      ],
      {
        cwd: projectRoot,
        env: {
          ...process.env,
          ...s3Env,
          TEMPORAL_ADDRESS: temporal.address,
          ...queues,
          ELO_STORE: `s3://${s3.bucket}/runs`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number>((resolve) => cli.on('exit', (code) => resolve(code ?? 1)));
    // Scrape while the run goes on: the highest training step seen on the container's endpoint.
    let best: Scrape | undefined;
    let done = false;
    void exit.then(() => (done = true));
    while (!done) {
      const s = await scrape(metricsPort);
      if (s && (!best || s.step >= best.step)) best = s;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const code = await exit;

    const stop = await podman(['stop', '--time', '120', name], 180_000);
    const state = await podman(['inspect', name, '--format', '{{.State.ExitCode}}']);
    const stopped = stop.code === 0 && state.stdout.trim() === '0';
    const ok = code === 0 && stopped && (best?.step ?? 0) > 0 && (best?.temporalSeries ?? 0) > 0;
    return {
      name: 'image runs tiny.yaml',
      ok,
      summary:
        `run ${runName} ${code === 0 ? 'completed' : `failed (elo run exit ${code})`} on the container; ` +
        `metrics scraped mid-run: elo_train_step up to ${best?.step ?? 0}, ${best?.temporalSeries ?? 0} temporal_* series, ` +
        `budget ${best?.budget ?? 0} B; podman stop (SIGTERM): ${stopped ? 'exit 0' : `exit ${state.stdout.trim()}`}`,
      detail: `${tailLines(output, 25)}\n--- worker log ---\n${tailLines((await podman(['logs', name])).stderr, 25)}`,
    };
  } finally {
    await podman(['rm', '-f', name]);
    await Promise.all([temporal.stop(), s3.stop()]);
  }
}

async function waitForLog(name: string, pattern: RegExp, ms: number) {
  const deadline = Date.now() + ms;
  let logs = '';
  while (Date.now() < deadline) {
    const out = await podman(['logs', name]);
    logs = out.stdout + out.stderr;
    if (pattern.test(logs)) return { ok: true, logs };
    const state = await podman(['inspect', name, '--format', '{{.State.Running}}']);
    if (state.stdout.trim() === 'false') break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { ok: false, logs: tailLines(logs, 30) };
}
