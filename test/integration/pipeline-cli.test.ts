import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { showJson } from '../../cli/commands/runs.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { elo } from '../support/run-elo.js';
import { uniqueName } from '../support/servers.js';

describe('elo validate/run/show/history/runs/schedule (built CLI, real Temporal server)', () => {
  let h: PipelineHarness;
  let dir: string;
  before(async () => {
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? '/tmp', 'cli-'));
  });
  after(async () => {
    await h.close();
  });

  it('validates, runs, shows, lists and audits a run; schedules it', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        name: 'bad',
        nodes: [
          { id: 'x', stage: 'nope' },
          { id: 'y', stage: 'toy-concat' },
        ],
      }),
    );
    const invalid = await elo('validate', bad);
    assert.equal(invalid.code, 2, invalid.stderr);
    assert.match(
      invalid.stderr,
      /unknown stage "nope".*input "a" of stage toy-concat is not wired/,
    );

    const good = path.join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        name: 'cli',
        nodes: [
          { id: 'hello', stage: 'toy-write-text', params: { text: 'hi' } },
          { id: 'twice', stage: 'toy-concat', needs: { a: 'hello', b: 'hello' } },
        ],
      }),
    );
    assert.equal((await elo('validate', good)).code, 0);

    const { uri } = await h.fileStore();
    const queues = h.queues('cli');
    process.env['ELO_CPU_QUEUE'] = queues.cpu;
    process.env['ELO_GPU_QUEUE'] = queues.gpu;
    const run = uniqueName('cli-run');
    await h.withWorkers(queues, async () => {
      const started = await elo(
        '--store',
        fileURLToPath(uri),
        'run',
        good,
        '--name',
        run,
        '--watch',
      );
      assert.equal(started.code, 0, started.stderr);
      assert.equal(started.stdout.split('\n')[0], run);
      assert.match(started.stdout, /twice\s+toy-concat\s+succeeded/);
      const show = await elo('show', run, '--json');
      assert.equal(show.code, 0, show.stderr);
      const d = JSON.parse(show.stdout) as ReturnType<typeof showJson>;
      assert.equal(d.status, 'completed');
      assert.equal(d.pipeline, 'cli');
      assert.deepEqual(
        d.nodes.map((n) => `${n.id}:${n.state}:${n.attempts}`),
        ['hello:succeeded:1', 'twice:succeeded:1'],
      );
      assert.match(d.nodes[1]!.outputs['text']!, /^file:\/\//);
      const text = await elo('show', run);
      assert.match(text.stdout, /twice\s+toy-concat\s+succeeded/);
      const timeline = await elo('history', run);
      assert.equal(timeline.code, 0, timeline.stderr);
      assert.match(timeline.stdout, /hello\s+toy-write-text\s+completed/);
      const history = JSON.parse((await elo('history', run, '--json')).stdout) as {
        status: string;
        nodes: { node: string; outcome: string }[];
      };
      assert.equal(history.status, 'completed');
      assert.deepEqual(
        history.nodes.map((n) => `${n.node}:${n.outcome}`),
        ['hello:completed', 'twice:completed'],
      );
      const runs = JSON.parse((await elo('runs', '--pipeline', 'cli', '--json')).stdout) as {
        run: string;
        status: string;
      }[];
      assert.ok(
        runs.some((r) => r.run === run && r.status === 'completed'),
        JSON.stringify(runs),
      );
      const none = await elo('runs', '--target', 'xx', '--pipeline', 'cli', '--json');
      assert.deepEqual(JSON.parse(none.stdout), []);
      const noReport = await elo('report', run);
      assert.equal(noReport.code, 1);
      assert.match(noReport.stderr, /has no report yet/);

      const sched = uniqueName('cli-sched');
      const created = await elo(
        '--store',
        fileURLToPath(uri),
        'schedule',
        'create',
        sched,
        good,
        '--every',
        '1 day',
      );
      assert.equal(created.code, 0, created.stderr);
      assert.match((await elo('schedule', 'list')).stdout, new RegExp(`${sched}\\tactive\\tcli`));
      const listed = JSON.parse((await elo('schedule', 'list', '--json')).stdout) as {
        id: string;
        state: string;
        pipeline: string;
      }[];
      assert.deepEqual(
        listed.filter((x) => x.id === sched).map((x) => `${x.state}:${x.pipeline}`),
        ['active:cli'],
      );
      assert.equal((await elo('schedule', 'pause', sched)).code, 0);
      assert.equal((await elo('schedule', 'delete', sched)).code, 0);
      assert.doesNotMatch((await elo('schedule', 'list')).stdout, new RegExp(sched));
    });
  });

  it('names the address when Temporal cannot be reached', async () => {
    const saved = process.env['TEMPORAL_ADDRESS'];
    process.env['TEMPORAL_ADDRESS'] = '127.0.0.1:9';
    try {
      const r = await elo('show', 'whatever');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^elo: cannot reach Temporal at 127\.0\.0\.1:9 .*TEMPORAL_ADDRESS/);
    } finally {
      process.env['TEMPORAL_ADDRESS'] = saved;
    }
  });

  it('takes connection settings from flags, then the environment, then the Temporal profile', async () => {
    const file = path.join(dir, 'temporal.toml');
    await writeFile(
      file,
      '[profile.default]\naddress = "127.0.0.1:11"\n[profile.other]\naddress = "127.0.0.1:14"\n',
    );
    const saved = process.env['TEMPORAL_ADDRESS'];
    delete process.env['TEMPORAL_ADDRESS'];
    try {
      const fromFile = await elo('--config-file', file, 'show', 'x');
      assert.match(fromFile.stderr, /cannot reach Temporal at 127\.0\.0\.1:11 /);
      const otherProfile = await elo('--config-file', file, '--profile', 'other', 'show', 'x');
      assert.match(otherProfile.stderr, /cannot reach Temporal at 127\.0\.0\.1:14 /);
      process.env['TEMPORAL_ADDRESS'] = '127.0.0.1:12';
      const fromEnv = await elo('--config-file', file, 'show', 'x');
      assert.match(fromEnv.stderr, /cannot reach Temporal at 127\.0\.0\.1:12 /);
      const fromFlag = await elo('--config-file', file, '--address', '127.0.0.1:13', 'show', 'x');
      assert.match(fromFlag.stderr, /cannot reach Temporal at 127\.0\.0\.1:13 /);
      const missing = await elo('--config-file', path.join(dir, 'none.toml'), 'show', 'x');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /TEMPORAL_CONFIG_FILE: .*none\.toml does not exist/);
      const removed = await elo('--settings', path.join(dir, 'settings.json'), 'show', 'x');
      assert.equal(removed.code, 2);
      assert.match(removed.stderr, /--settings .* was removed: .*TEMPORAL_CONFIG_FILE/);
    } finally {
      process.env['TEMPORAL_ADDRESS'] = saved;
    }
  });

  it('reports a bad run config with the path of each problem, exit code 2', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      'name: x\nbaseModel: m\ntarget: ko\nelo:\n  layers: [0, 1.5]\nbaselines: [nope]\n',
    );
    const r = await elo('validate', file);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /elo\.layers\[1\]: .*baselines\[0\]: /);
  });
});
