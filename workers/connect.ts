import { readFile } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { WorkerEnv } from './worker-env.js';

export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
}

type ConnectionSettings = Pick<
  WorkerEnv,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_API_KEY'
>;

async function connectionOptions(env: ConnectionSettings) {
  const mtls = env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH;
  const ca = env.TEMPORAL_TLS_CA_PATH ? await readFile(env.TEMPORAL_TLS_CA_PATH) : undefined;
  const tls =
    mtls || env.TEMPORAL_API_KEY || ca
      ? {
          ...(ca ? { serverRootCACertificate: ca } : {}),
          ...(mtls
            ? {
                clientCertPair: {
                  crt: await readFile(env.TEMPORAL_TLS_CERT_PATH as string),
                  key: await readFile(env.TEMPORAL_TLS_KEY_PATH as string),
                },
              }
            : {}),
        }
      : undefined;
  return {
    address: env.TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

function unreachable(address: string, err: unknown): TemporalUnreachableError {
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new TemporalUnreachableError(
    `cannot reach Temporal at ${address} (${detail}): start the local dev server with ` +
      '`npm run services`, or set TEMPORAL_ADDRESS (and TLS or API-key settings) to your cluster.',
  );
}

/** The worker's connection; an unreachable server gives one sentence naming the address. */
export async function connectWorker(env: ConnectionSettings): Promise<NativeConnection> {
  const options: NativeConnectionOptions = await connectionOptions(env);
  return NativeConnection.connect(options).catch((err: unknown) => {
    throw unreachable(env.TEMPORAL_ADDRESS, err);
  });
}

/** A client connection with the same settings (CLI, schedules, progress). */
export async function connectClient(env: ConnectionSettings): Promise<Connection> {
  const options = await connectionOptions(env);
  return Connection.connect(options).catch((err: unknown) => {
    throw unreachable(env.TEMPORAL_ADDRESS, err);
  });
}
