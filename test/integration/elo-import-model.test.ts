// import-model from s3://: a plain folder a user uploaded (no manifest) and a committed artifact
// give the same model ref as the local folder; an empty prefix fails at once, naming it.
import assert from 'node:assert/strict';
import { readdir, readFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/client';
import { initBackend } from '../../engine/backend.js';
import type { DagSpec } from '../../pipeline/dag.js';
import { openStore } from '../../storage/open-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { tinyBaseModel } from '../support/elo-fixtures.js';
import { PipelineHarness, runFailure } from '../support/pipeline-harness.js';
import { s3TestTarget, uniqueName } from '../support/servers.js';

const importDag = (...sources: string[]): DagSpec => ({
  name: 'import',
  nodes: sources.map((source, i) => ({
    id: `import-${i}`,
    stage: 'import-model',
    params: { source },
  })),
});

describe('import-model from s3:// (real Temporal and S3 servers)', () => {
  let h: PipelineHarness;
  let dir: string;
  before(async () => {
    await initBackend({ backend: 'tensorflow', log: () => {} });
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'import-'));
  });
  after(async () => {
    await h.close();
  });

  it('imports a plain uploaded folder and a committed artifact as the same model as the local folder', async () => {
    const local = await tinyBaseModel(dir);
    const { settings, bucket } = s3TestTarget();
    const prefix = uniqueName('user-models');
    // A user's upload (`aws s3 cp --recursive`): objects only, no manifest; a README rides along.
    const s3 = createS3Client(settings);
    try {
      for (const name of await readdir(local))
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${prefix}/tiny/${name}`,
            Body: await readFile(path.join(local, name)),
          }),
        );
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/tiny/README.md`, Body: '# tiny' }),
      );
    } finally {
      s3.destroy();
    }
    const committed = await openStore(`s3://${bucket}/${prefix}`).commitFolder('artifact', local, {
      producer: 'test',
    });

    const { uri } = h.s3Store();
    const queues = h.queues('import');
    const result = await h.withWorkers(queues, async () =>
      (
        await h.start({
          runName: uniqueName('import'),
          storeUri: uri,
          taskQueues: queues,
          dag: importDag(local, `s3://${bucket}/${prefix}/tiny/`, committed.uri),
        })
      ).result(),
    );
    const refs = result.nodes.map((n) => n.outputs['model']!);
    assert.equal(refs.length, 3);
    for (const ref of refs) assert.equal(ref.sha256, refs[0]!.sha256);
    assert.ok(refs[0]!.uri.startsWith(uri));
    assert.equal(result.nodes[1]!.metrics['parameters'], result.nodes[0]!.metrics['parameters']);
  });

  it('an empty s3:// prefix fails on the first attempt, naming it', async () => {
    const { bucket } = s3TestTarget();
    const missing = `s3://${bucket}/${uniqueName('nothing')}/model`;
    const { uri } = await h.fileStore();
    const queues = h.queues('import-empty');
    const failure = await h.withWorkers(queues, async () =>
      runFailure(
        await h.start({
          runName: uniqueName('import-empty'),
          storeUri: uri,
          taskQueues: queues,
          dag: importDag(missing),
        }),
      ),
    );
    assert.ok(failure.cause instanceof ApplicationFailure);
    assert.match(failure.cause.message, /failed after 1 attempt\(s\)/);
    assert.ok(failure.cause.message.includes(`${missing} holds no files`), failure.cause.message);
  });
});
