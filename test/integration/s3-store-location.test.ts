// Where an S3 store is travels with a run, credentials never do: `elo run --s3-endpoint` reaches
// a worker that has no ELO_S3_ENDPOINT of its own (real S3 server, real Temporal). A worker
// without credentials fails the stage at once, non-retryable, naming the endpoint and what to set
// on the worker; a flag that would send a secret with the run is refused before anything starts.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeRun } from '../../client/describe-run.js';
import { historyText } from '../support/history-text.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { elo } from '../support/run-elo.js';
import { s3TestTarget, temporalAddress, uniqueName } from '../support/servers.js';

describe('the S3 store location travels with a run; credentials stay with each process', () => {
  let h: PipelineHarness;
  let dir: string;
  let config: string;
  const children: ChildProcess[] = [];
  const endpoint = process.env['ELO_S3_ENDPOINT']!;
  before(async () => {
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? '/tmp', 's3-location-'));
    config = path.join(dir, 'run.json');
    await writeFile(
      config,
      JSON.stringify({
        name: 's3-location',
        nodes: [{ id: 'hello', stage: 'toy-write-text', params: { text: 'hi' } }],
      }),
    );
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  /** An `elo` worker whose environment has no S3 endpoint (and, unless `credentials`, no keys). */
  async function startWorker(queues: { cpu: string; gpu: string }, credentials: boolean) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      ELO_CPU_QUEUE: queues.cpu,
      ELO_GPU_QUEUE: queues.gpu,
      ELO_DEBUG: '',
    };
    delete env['ELO_S3_ENDPOINT'];
    if (!credentials) {
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
        delete env[k];
      // The SDK's default chain finds nothing either: no files, no instance metadata.
      env['AWS_SHARED_CREDENTIALS_FILE'] = path.join(dir, 'no-credentials');
      env['AWS_CONFIG_FILE'] = path.join(dir, 'no-config');
      env['AWS_EC2_METADATA_DISABLED'] = 'true';
      delete env['AWS_PROFILE'];
    }
    const worker = await startWorkerProcess(env);
    children.push(worker.child);
    return async () => {
      await worker.stop();
    };
  }

  /** `elo --store … --s3-endpoint … run` with the endpoint only on the command line. */
  async function runWithFlag(queues: { cpu: string; gpu: string }, runName: string) {
    const storeUri = `s3://${s3TestTarget().bucket}/${uniqueName('location')}`;
    process.env['ELO_CPU_QUEUE'] = queues.cpu;
    process.env['ELO_GPU_QUEUE'] = queues.gpu;
    delete process.env['ELO_S3_ENDPOINT'];
    try {
      const args = ['--store', storeUri, '--s3-endpoint', endpoint, 'run', config];
      return await elo(...args, '--name', runName, '--watch');
    } finally {
      process.env['ELO_S3_ENDPOINT'] = endpoint;
    }
  }

  it('a worker with its own credentials and no endpoint completes the run', async () => {
    const queues = h.queues('location-ok');
    const stop = await startWorker(queues, true);
    const runName = uniqueName('location-ok');
    const cli = await runWithFlag(queues, runName);
    // Queried while the worker runs: a closed run's query replays on a worker.
    const node = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'hello');
    await stop();
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.equal(node?.state, 'succeeded');
    const handle = h.client.workflow.getHandle(runName);
    const history = historyText(await handle.fetchHistory());
    // The audit shows which store the run used; the secret is not in it.
    assert.ok(
      history.includes(`endpoint=${encodeURIComponent(endpoint)}`),
      'endpoint in the history',
    );
    assert.ok(!history.includes(process.env['AWS_SECRET_ACCESS_KEY']!), 'no secret in the history');
  });

  it('a worker without credentials fails the stage once, naming the endpoint and what to set', async () => {
    const queues = h.queues('location-nocreds');
    const stop = await startWorker(queues, false);
    const runName = uniqueName('location-nocreds');
    const cli = await runWithFlag(queues, runName);
    const node = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'hello');
    await stop();
    assert.equal(cli.code, 3, cli.stdout + cli.stderr);
    assert.equal(node?.state, 'failed');
    assert.equal(node?.attempts, 1, `not retried: ${node?.error}`);
    assert.match(node?.error ?? '', new RegExp(`cannot reach the artifact store at ${endpoint}`));
    assert.match(node?.error ?? '', /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('refuses a store location that would carry a secret, before starting anything', async () => {
    const bucket = s3TestTarget().bucket;
    const tries = [
      ['--s3-endpoint', 'http://key:hunter2-secret@127.0.0.1:1', '--store', `s3://${bucket}/x`],
      ['--store', `s3://${bucket}/x?secretAccessKey=hunter2-secret`],
    ];
    for (const flags of tries) {
      const runName = uniqueName('location-secret');
      const cli = await elo(...flags, 'run', config, '--name', runName);
      assert.notEqual(cli.code, 0, cli.stdout);
      assert.match(cli.stderr, /holds credentials: .* secrets never travel with it/);
      assert.ok(!(cli.stdout + cli.stderr).includes('hunter2-secret'), cli.stderr);
      await assert.rejects(h.client.workflow.getHandle(runName).describe(), /not found/i);
    }
  });
});
