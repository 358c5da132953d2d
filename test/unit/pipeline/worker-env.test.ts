import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectWorker, TemporalUnreachableError } from '../../../workers/connect.js';
import { WorkerConfigError, workerEnv } from '../../../workers/worker-env.js';
import { connectClient, temporalEnv } from '../../../client/temporal-connection.js';

describe('worker settings', () => {
  it('has defaults for a local dev server', () => {
    const env = workerEnv({});
    assert.equal(env.TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.equal(env.TEMPORAL_NAMESPACE, 'default');
    assert.equal(env.ELO_GPU_CONCURRENCY, 1);
    assert.equal(env.ELO_CPU_CONCURRENCY, 4);
  });

  it('names every bad variable', () => {
    assert.throws(
      () =>
        workerEnv({
          ELO_CPU_CONCURRENCY: 'many',
          ELO_GPU_CONCURRENCY: '0',
          TEMPORAL_TLS_CERT_PATH: '/tls/client.pem',
        }),
      (err) => {
        assert.ok(err instanceof WorkerConfigError);
        assert.match(err.message, /ELO_CPU_CONCURRENCY: /);
        assert.match(err.message, /ELO_GPU_CONCURRENCY: /);
        assert.match(err.message, /TEMPORAL_TLS_KEY_PATH: .*must be set together/);
        return true;
      },
    );
  });

  it('says in one sentence which address is unreachable and what to do', async () => {
    // A port nothing listens on (the discard port on loopback).
    await assert.rejects(connectWorker(workerEnv({ TEMPORAL_ADDRESS: '127.0.0.1:9' })), (err) => {
      assert.ok(err instanceof TemporalUnreachableError);
      assert.match(
        err.message,
        /^cannot reach Temporal at 127\.0\.0\.1:9 \(.*\): start .* TEMPORAL_ADDRESS/,
      );
      assert.ok(!err.message.includes('\n'));
      return true;
    });
    await assert.rejects(
      connectClient(temporalEnv({ TEMPORAL_ADDRESS: '127.0.0.1:9' })),
      /^TemporalUnreachableError: cannot reach Temporal at 127\.0\.0\.1:9 /,
    );
  });
});
