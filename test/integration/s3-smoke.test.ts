import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '../../storage/s3-client.js';
import { s3TestTarget, uniqueName } from '../support/servers.js';

describe('S3 wiring (real S3-compatible server)', () => {
  let client: S3Client;
  let bucket: string;
  const keys: string[] = [];

  before(() => {
    const target = s3TestTarget();
    client = createS3Client(target.settings);
    bucket = target.bucket;
  });
  after(async () => {
    for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    client.destroy();
  });

  async function getBytes(Key: string): Promise<Buffer> {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  it('writes an object and reads it back byte for byte', async () => {
    const Key = `${uniqueName('smoke')}/small.bin`;
    keys.push(Key);
    const body = randomBytes(64 * 1024);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body }));
    assert.deepEqual(await getBytes(Key), body);
  });

  it('uploads ≥ 20 MB in parallel multipart parts and reads back the same bytes', async () => {
    const Key = `${uniqueName('smoke')}/large.bin`;
    keys.push(Key);
    const body = randomBytes(24 * 1024 * 1024);
    const parts: number[] = [];
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key, Body: body },
      partSize: 5 * 1024 * 1024,
      queueSize: 4,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (p) => {
      if (p.part !== undefined) parts.push(p.part);
    });
    await upload.done();
    assert.ok(new Set(parts).size >= 4, `expected ≥ 4 parts, saw ${JSON.stringify(parts)}`);

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
    assert.equal(head.ContentLength, body.length);
    // A multipart ETag is composite ("<md5 of part md5s>-<parts>"), not the file's digest.
    assert.match(head.ETag ?? '', /-\d+"?$/);
    const back = await getBytes(Key);
    assert.equal(sha256(back), sha256(body));
  });
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
