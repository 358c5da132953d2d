// Secrets never leave the process that holds them: after a run on an S3 store (the S3 secret in
// the CLI's and the worker's environment) its history, search attributes, memo, run manifest,
// report, CLI output and worker log are grepped for it; a Temporal API key and a TLS key given by
// flag, env or Temporal profile file must not appear in the errors the CLI prints when it cannot connect
// with them.
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeRun } from '../../client/describe-run.js';
import { openStore } from '../../storage/open-store.js';
import { runManifestKey } from '../../pipeline/run-state.js';
import { historyText } from '../support/history-text.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { elo } from '../support/run-elo.js';
import { s3TestTarget, temporalAddress, uniqueName } from '../support/servers.js';

describe('secrets stay out of histories, attributes, memo, manifests, logs and errors', () => {
  let h: PipelineHarness;
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? '/tmp', 'secrets-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('the S3 secret of a run on S3 appears nowhere a run leaves traces', async () => {
    const secret = process.env['AWS_SECRET_ACCESS_KEY']!;
    assert.ok(secret.length >= 16);
    const queues = h.queues('secrets');
    const storeUri = `s3://${s3TestTarget().bucket}/${uniqueName('secrets')}`;
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      ELO_CPU_QUEUE: queues.cpu,
      ELO_GPU_QUEUE: queues.gpu,
      ELO_DEBUG: '', // errors stay one line
    };
    const worker = await startWorkerProcess(env);
    children.push(worker.child);
    const config = path.join(dir, 'run.json');
    await writeFile(
      config,
      JSON.stringify({
        name: 'secrets',
        nodes: [
          { id: 'hello', stage: 'toy-write-text', params: { text: 'hi' } },
          { id: 'flaky', stage: 'toy-flaky', params: { failures: 1, text: 'again' } },
          { id: 'no', stage: 'toy-reject', params: { reason: 'an error path too' } },
          { id: 'report', stage: 'report', params: {} },
        ],
      }),
    );
    process.env['ELO_CPU_QUEUE'] = queues.cpu;
    process.env['ELO_GPU_QUEUE'] = queues.gpu;
    const runName = uniqueName('secrets');
    const cli = await elo('--store', storeUri, 'run', config, '--name', runName, '--watch');
    assert.equal(cli.code, 3, cli.stderr); // toy-reject fails the run: its error path is covered
    const handle = h.client.workflow.getHandle(runName);
    const description = await handle.describe();
    const traces: Record<string, string> = {
      'workflow history': historyText(await handle.fetchHistory()),
      'search attributes': JSON.stringify(description.searchAttributes),
      memo: JSON.stringify(description.memo),
      'CLI output': cli.stdout + cli.stderr,
      'elo show': JSON.stringify(await elo('show', runName, '--json')),
      'elo history': JSON.stringify(await elo('history', runName, '--json')),
    };
    const store = openStore(storeUri);
    const manifest = await store.readDocument(runManifestKey(runName));
    assert.ok(manifest, 'no run.json');
    traces['run manifest'] = manifest.toString('utf8');
    const report = (await describeRun(h.client, runName)).nodes.find((n) => n.id === 'report');
    const reportUri = report?.outputs['report']?.uri;
    assert.ok(reportUri, `no report artifact (report node: ${report?.state})`);
    for (const file of ['report.md', 'report.html']) {
      const text = await store.readFile(store.keyOf(reportUri), file);
      traces[`report (${file})`] = text.toString('utf8');
    }
    traces['worker log'] = await worker.stop();
    for (const [where, text] of Object.entries(traces)) {
      assert.ok(text.length > 0, `${where} is empty: nothing was checked`);
      assert.ok(!text.includes(secret), `the S3 secret appears in the ${where}`);
    }
  });

  it('an API key or TLS key by flag, env or Temporal profile is not in the connection error', async () => {
    const apiKey = `elo-test-api-key-${Math.random().toString(36).slice(2)}`;
    const keyText = `-----BEGIN PRIVATE KEY-----\nelo-test-tls-${Math.random().toString(36).slice(2)}\n-----END PRIVATE KEY-----\n`;
    const keyFile = path.join(dir, 'client.key');
    const certFile = path.join(dir, 'client.pem');
    await writeFile(keyFile, keyText);
    await writeFile(certFile, keyText.replace(/PRIVATE KEY/g, 'CERTIFICATE'));
    const profile = path.join(dir, 'temporal.toml');
    await writeFile(
      profile,
      `[profile.default]\napi_key = "${apiKey}"\naddress = "${temporalAddress()}"\n`,
    );
    process.env['TEMPORAL_API_KEY'] = apiKey;
    const byEnv = await elo('--address', temporalAddress(), 'runs');
    delete process.env['TEMPORAL_API_KEY'];
    const tries = [
      byEnv,
      await elo('--address', temporalAddress(), '--api-key', apiKey, 'runs'),
      await elo('--config-file', profile, 'runs'),
      await elo(
        '--address',
        temporalAddress(),
        '--tls-cert',
        certFile,
        '--tls-key',
        keyFile,
        'runs',
      ),
    ];
    for (const t of tries) {
      assert.notEqual(t.code, 0, 'connecting with TLS to a plaintext server must fail');
      const out = t.stdout + t.stderr;
      assert.ok(out.length > 0);
      assert.ok(!out.includes(apiKey), `the API key appears in: ${out}`);
      assert.ok(!out.includes(keyText.split('\n')[1]!), `the TLS key appears in: ${out}`);
    }
  });
});
