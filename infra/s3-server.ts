import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { mkdir } from 'node:fs/promises';
import { createS3Client } from '../storage/s3-client.js';
import { ensureS3Server } from './install-s3-server.js';
import { LOOPBACK, pickPort } from './ports.js';
import { startService, type ServiceHandle } from './service-process.js';
import { SetupError } from './setup-error.js';

export interface S3ServerOptions {
  /** Objects live here as plain files (bucket = sub-folder). */
  dataDir: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  log?: (line: string) => void;
}

export interface S3Server extends ServiceHandle {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Credentials for the local server's root user, from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
export function s3CredentialsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey) {
    throw new SetupError(
      `S3 credentials are missing: ${!accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is not set`,
      'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for the local server; they become its root user)',
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** Starts the pinned S3 server on a free loopback port ($ELO_S3_PORT) and creates the bucket. */
export async function startS3Server(opts: S3ServerOptions): Promise<S3Server> {
  const bin = await ensureS3Server(opts.log);
  const port = await pickPort('ELO_S3_PORT', 'the S3 server');
  const endpoint = `http://${LOOPBACK}:${port}`;
  await mkdir(opts.dataDir, { recursive: true });
  const client = createS3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    checksums: 'when-required',
    credentials: opts.credentials,
  });
  try {
    const handle = await startService({
      name: `S3 server versitygw (${endpoint})`,
      command: bin,
      args: ['--port', `${LOOPBACK}:${port}`, '--quiet', 'posix', opts.dataDir],
      // Root credentials by environment, never on the command line (visible in `ps`).
      env: {
        ...process.env,
        ROOT_ACCESS_KEY_ID: opts.credentials.accessKeyId,
        ROOT_SECRET_ACCESS_KEY: opts.credentials.secretAccessKey,
      },
      logFile: `${opts.dataDir}.log`,
      isReady: async () => {
        await client.send(new ListBucketsCommand({}));
        return true;
      },
      readyTimeoutMs: 30_000,
      hint: 'read the log above, or set ELO_S3_PORT to another port',
    });
    await client.send(new CreateBucketCommand({ Bucket: opts.bucket })).catch((err: Error) => {
      if (err.name !== 'BucketAlreadyOwnedByYou') throw err;
    });
    return { ...handle, endpoint, bucket: opts.bucket, ...opts.credentials };
  } finally {
    client.destroy();
  }
}

/** The environment a client process needs to reach this server (what tests read). */
export function s3ServerEnv(server: S3Server): NodeJS.ProcessEnv {
  return {
    ELO_S3_ENDPOINT: server.endpoint,
    ELO_S3_BUCKET: server.bucket,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
  };
}
