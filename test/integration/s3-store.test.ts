import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Store } from '../../storage/s3-store.js';
import { s3TestTarget, uniqueName } from '../support/servers.js';
import { runStoreContract } from '../support/store-contract.js';

runStoreContract('s3:// (real S3 server)', async () => {
  const { settings, bucket } = s3TestTarget();
  const prefix = uniqueName('store');
  const uri = `s3://${bucket}/${prefix}`;
  const store = new S3Store(uri, settings);
  const raw = createS3Client(settings);
  const listKeys = async (under: string) => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await raw.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${under}/`, ContinuationToken }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys;
  };
  return {
    store,
    uri,
    rawPut: async (key, rel, data) => {
      await raw.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}/${rel}`, Body: data }),
      );
    },
    rawList: async (key) =>
      (await listKeys(`${prefix}/${key}`)).map((k) => k.slice(prefix.length + key.length + 2)),
    cleanup: async () => {
      const keys = await listKeys(prefix);
      for (let i = 0; i < keys.length; i += 1000) {
        await raw.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) },
          }),
        );
      }
      store.close();
      raw.destroy();
    },
  };
});
