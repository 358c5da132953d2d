import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../../../infra/ports.js';
import { StoreConfigError, StoreUnreachableError } from '../../../storage/errors.js';
import { FileStore } from '../../../storage/file-store.js';
import { canonicalJson, sha256Json } from '../../../storage/hashing.js';
import { checkKey } from '../../../storage/manifest.js';
import { openStore } from '../../../storage/open-store.js';
import { parseS3Uri } from '../../../storage/s3-location.js';
import { S3Store } from '../../../storage/s3-store.js';

describe('content addressing', () => {
  it('canonical JSON ignores key order and undefined, keeps array order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, 1], c: undefined } }),
      '{"a":{"d":[3,1]},"b":1}',
    );
    assert.equal(sha256Json({ x: 1, y: 2 }), sha256Json({ y: 2, x: 1 }));
    assert.notEqual(sha256Json({ l: [1, 2] }), sha256Json({ l: [2, 1] }));
    assert.throws(() => canonicalJson({ lr: NaN }), /NaN has no JSON form/);
  });
});

describe('store locations', () => {
  it('parses s3 URIs and rejects bad ones', () => {
    assert.deepEqual(parseS3Uri('s3://my-bucket/a/b/'), { bucket: 'my-bucket', prefix: 'a/b' });
    assert.deepEqual(parseS3Uri('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
    assert.throws(() => parseS3Uri('s3://B/x'), StoreConfigError);
    assert.throws(() => parseS3Uri('s3:/bucket'), /not an S3 URI/);
  });

  it('rejects keys that escape the store', () => {
    assert.equal(checkKey('/runs/demo/'), 'runs/demo');
    for (const bad of ['', '..', 'a/../b', 'a//b', './a'])
      assert.throws(() => checkKey(bad), StoreConfigError);
  });

  it('opens file and s3 stores by URI, refuses other schemes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'elo-open-'));
    try {
      const store = openStore(dir);
      assert.ok(store instanceof FileStore);
      assert.equal(openStore(store.rootUri).rootUri, store.rootUri);
      assert.equal(store.keyOf(store.uriFor('runs/x')), 'runs/x');
      assert.throws(() => store.keyOf('file:///elsewhere/x'), /not inside the store/);
      const s3 = openStore('s3://bucket-one/pre', {
        region: 'us-east-1',
        forcePathStyle: true,
        checksums: 'when-required',
      });
      assert.equal(s3.uriFor('k'), 's3://bucket-one/pre/k');
      (s3 as S3Store).close();
      assert.throws(() => openStore('gs://bucket/x'), /unsupported store URI "gs:\/\/bucket\/x"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable S3 endpoint is named, with what to check', async () => {
    const port = await freePort(); // nothing listens there
    const store = new S3Store('s3://bucket-one/x', {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      checksums: 'when-required',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      await assert.rejects(store.refOf('anything'), (err: Error) => {
        assert.ok(err instanceof StoreUnreachableError, String(err));
        assert.match(
          err.message,
          new RegExp(`cannot reach the artifact store at http://127.0.0.1:${port}`),
        );
        assert.match(err.message, /ECONNREFUSED/);
        assert.match(err.message, /ELO_S3_ENDPOINT/);
        return true;
      });
    } finally {
      store.close();
    }
  });
});
