import { readFile } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { z } from 'zod';

/** How to reach Temporal, from the environment; shared by workers, the CLI and scripts. */
export const TemporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** mTLS client certificate and key (PEM files), e.g. for Temporal Cloud. */
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  /** CA bundle for servers with a private CA. */
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  /** API-key auth (Temporal Cloud); implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
});
export type TemporalSettings = z.output<typeof TemporalEnvSchema>;

export class TemporalConfigError extends Error {
  override readonly name = 'TemporalConfigError';
}

export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
}

/** Problems of a raw environment against `schema`, each naming its variable. */
export function envProblems(schema: z.ZodObject, env: NodeJS.ProcessEnv) {
  const relevant = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = schema.safeParse(relevant);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  const [cert, key] = [relevant['TEMPORAL_TLS_CERT_PATH'], relevant['TEMPORAL_TLS_KEY_PATH']];
  if (Boolean(cert) !== Boolean(key)) {
    problems.push(
      `  ${cert ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'}: ` +
        'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together',
    );
  }
  return { parsed, problems };
}

export function temporalEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const { parsed, problems } = envProblems(TemporalEnvSchema, env);
  if (parsed.success && problems.length === 0) return parsed.data as TemporalSettings;
  throw new TemporalConfigError(`Temporal settings are invalid:\n${problems.join('\n')}`);
}

/** Address, TLS and API key as the SDK's connection options (client and worker alike). */
export async function connectionOptions(env: TemporalSettings) {
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

/** One sentence: which address, and what to do. */
export function unreachable(address: string, err: unknown): TemporalUnreachableError {
  const detail = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return new TemporalUnreachableError(
    `cannot reach Temporal at ${address} (${detail}): start the local dev server with ` +
      '`npm run services`, or set TEMPORAL_ADDRESS (and TLS or API-key settings) to your cluster.',
  );
}

/** A client connection (CLI, schedules, progress). */
export async function connectClient(env: TemporalSettings): Promise<Connection> {
  // A short connect timeout: a wrong address should fail in seconds, not ten.
  const options = { ...(await connectionOptions(env)), connectTimeout: '3s' };
  return Connection.connect(options).catch((err: unknown) => {
    throw unreachable(env.TEMPORAL_ADDRESS, err);
  });
}
