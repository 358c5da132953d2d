// prepare-data reading its sources from s3:// (the real S3 server `npm test` starts).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../storage/s3-client.js';
import { DataPrepError, prepareData, readSource } from '../../dataprep/index.js';
import { TOKENIZER, makeDocs, withTempDir } from '../unit/data/helpers.js';
import { s3TestTarget, uniqueName } from '../support/servers.js';

void describe('dataprep sources on s3://', () => {
  void it('streams JSONL and text objects from S3 and packs them', async () => {
    const { settings, bucket } = s3TestTarget();
    const prefix = uniqueName('dataprep');
    const raw = createS3Client(settings);
    const en = makeDocs('en', 60, 40, 1);
    const ko = makeDocs('ko', 120, 40, 2);
    const keys = [`${prefix}/en.jsonl`, `${prefix}/ko.txt`];
    try {
      await raw.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: keys[0],
          Body: en.map((t) => JSON.stringify({ text: t }) + '\n').join(''),
        }),
      );
      await raw.send(
        new PutObjectCommand({ Bucket: bucket, Key: keys[1], Body: ko.join('\n\n') + '\n' }),
      );
      const docs: string[] = [];
      for await (const d of readSource(
        { path: `s3://${bucket}/${keys[1]}`, textField: 'text' },
        'f',
        { s3: settings },
      )) {
        docs.push(d.text);
      }
      assert.deepEqual(docs, ko);

      await withTempDir(async (dir) => {
        const r = await prepareData(
          {
            languages: {
              en: { scripts: ['Latin'], train: [{ path: `s3://${bucket}/${keys[0]}` }] },
              ko: { scripts: ['Hangul'], train: [{ path: `s3://${bucket}/${keys[1]}` }] },
            },
            target: 'ko',
            tokenizer: TOKENIZER,
            seqLen: 32,
            minChars: 20,
          },
          path.join(dir, 'out'),
          { s3: settings },
        );
        assert.equal(r.stats.languages.ko!.read.documents, 120);
        assert.equal(r.stats.languages.en!.read.documents, 60);
        assert.ok(r.stats.trainTokens > 0);
      });

      await assert.rejects(
        async () => {
          for await (const _ of readSource(
            { path: `s3://${bucket}/${prefix}/missing.txt`, textField: 'text' },
            'languages.ko.train.0.path',
            { s3: settings },
          ));
        },
        (e: unknown) => e instanceof DataPrepError && e.field === 'languages.ko.train.0.path',
      );
    } finally {
      await raw.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })) },
        }),
      );
      raw.destroy();
    }
  });
});
