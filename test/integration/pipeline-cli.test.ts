import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunDescription } from '../../pipeline/describe-run.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { elo } from '../support/run-elo.js';
import { uniqueName } from '../support/servers.js';

describe('elo pipeline / elo schedule (built CLI, real Temporal server)', () => {
  let h: PipelineHarness;
  let dir: string;
  before(async () => {
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? '/tmp', 'cli-'));
  });
  after(async () => {
    await h.close();
  });

  it('validates, starts, shows status and timeline of a run', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        name: 'bad',
        nodes: [
          { id: 'x', stage: 'nope' },
          { id: 'y', stage: 'demo-concat' },
        ],
      }),
    );
    const invalid = await elo('pipeline', 'validate', bad);
    assert.equal(invalid.code, 2, invalid.stderr);
    assert.match(
      invalid.stderr,
      /unknown stage "nope".*input "a" of stage demo-concat is not wired/,
    );

    const good = path.join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        name: 'cli',
        nodes: [
          { id: 'hello', stage: 'demo-write-text', params: { text: 'hi' } },
          { id: 'twice', stage: 'demo-concat', needs: { a: 'hello', b: 'hello' } },
        ],
      }),
    );

    const { uri } = await h.fileStore();
    const queues = h.queues('cli');
    process.env['ELO_CPU_QUEUE'] = queues.cpu;
    process.env['ELO_GPU_QUEUE'] = queues.gpu;
    const run = uniqueName('cli-run');
    await h.withWorkers(queues, async () => {
      const started = await elo(
        'pipeline',
        'start',
        good,
        '--run',
        run,
        '--store',
        fileURLToPath(uri),
        '--wait',
      );
      assert.equal(started.code, 0, started.stderr);
      assert.equal(started.stdout.split('\n')[0], run);
      const status = await elo('pipeline', 'status', run, '--json');
      assert.equal(status.code, 0, status.stderr);
      const d = JSON.parse(status.stdout) as RunDescription;
      assert.equal(d.status, 'COMPLETED');
      assert.deepEqual(
        d.nodes.map((n) => n.state),
        ['succeeded', 'succeeded'],
      );
      const timeline = await elo('pipeline', 'timeline', run);
      assert.equal(timeline.code, 0, timeline.stderr);
      assert.match(timeline.stdout, /hello\s+demo-write-text\s+completed/);

      const sched = uniqueName('cli-sched');
      const created = await elo(
        'schedule',
        'create',
        sched,
        good,
        '--every',
        '1 day',
        '--store',
        fileURLToPath(uri),
      );
      assert.equal(created.code, 0, created.stderr);
      assert.match((await elo('schedule', 'list')).stdout, new RegExp(`${sched}\\tactive\\tcli`));
      assert.equal((await elo('schedule', 'delete', sched)).code, 0);
      assert.doesNotMatch((await elo('schedule', 'list')).stdout, new RegExp(sched));
    });
  });

  it('names the address when Temporal cannot be reached', async () => {
    const saved = process.env['TEMPORAL_ADDRESS'];
    process.env['TEMPORAL_ADDRESS'] = '127.0.0.1:9';
    try {
      const r = await elo('pipeline', 'status', 'whatever');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^elo: cannot reach Temporal at 127\.0\.0\.1:9 .*TEMPORAL_ADDRESS/);
    } finally {
      process.env['TEMPORAL_ADDRESS'] = saved;
    }
  });
});
