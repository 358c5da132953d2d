import { existsSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
} from '@temporalio/envconfig';
import type { z } from 'zod';

// How to reach Temporal: Temporal's own client configuration (@temporalio/envconfig), the same
// environment variables and TOML profile file the `temporal` CLI reads, so one profile serves
// both. The environment overrides the profile; `elo` flags are written into the environment
// first (cli/settings.ts), so flags win. Shared by workers, the CLI and scripts.

export const DEFAULT_ADDRESS = '127.0.0.1:7233';

/** ELO's former names, refused with the name that replaced them (docs/pipeline.md). */
export const RENAMED_ENV: Readonly<Record<string, string>> = {
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  ELO_SETTINGS: 'TEMPORAL_CONFIG_FILE (a temporal.toml profile file)',
};

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** The profile as loaded: the file's values (TEMPORAL_PROFILE, default "default") under env. */
  profile: ClientConfigProfile;
}

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
  return { parsed, problems };
}

/** Every problem of the Temporal settings in `env`, each naming its variable. */
function settingsOrProblems(env: NodeJS.ProcessEnv): TemporalSettings | string[] {
  const problems: string[] = [];
  for (const [old, now] of Object.entries(RENAMED_ENV)) {
    if (env[old]) problems.push(`  ${old}: no longer read; set ${now} instead`);
  }
  const file = env['TEMPORAL_CONFIG_FILE'];
  if (file && !existsSync(file)) problems.push(`  TEMPORAL_CONFIG_FILE: ${file} does not exist`);
  // Empty variables count as unset, as everywhere else in ELO.
  const set = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
    ),
  );
  let profile: ClientConfigProfile = {};
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: set });
  } catch (err) {
    const where = set['TEMPORAL_PROFILE'] ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE';
    problems.push(`  ${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  const [cert, key] = [profile.tls?.clientCert, profile.tls?.clientKey];
  if (Boolean(cert) !== Boolean(key)) {
    problems.push(
      `  ${cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH'}: ` +
        'the client certificate and key must be set together',
    );
  }
  if (problems.length > 0) return problems;
  return {
    address: profile.address ?? DEFAULT_ADDRESS,
    namespace: profile.namespace ?? 'default',
    profile,
  };
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const result = settingsOrProblems(env);
  if (!Array.isArray(result)) return result;
  throw new TemporalConfigError(`Temporal settings are invalid:\n${result.join('\n')}`);
}

/** The problems only (for callers that report them with their own settings). */
export function temporalProblems(env: NodeJS.ProcessEnv): string[] {
  const result = settingsOrProblems(env);
  return Array.isArray(result) ? result : [];
}

/** Address, TLS, API key and gRPC metadata as the SDK's connection options (client and worker). */
export function connectionOptions(settings: TemporalSettings) {
  let options;
  try {
    options = toClientOptions(settings.profile).connectionOptions; // reads the PEM files
  } catch (err) {
    throw new TemporalConfigError(`Temporal TLS files: ${(err as Error).message}`);
  }
  return {
    address: settings.address,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  };
}

/** One sentence: which address, and what to do. */
export function unreachable(address: string, err: unknown): TemporalUnreachableError {
  const detail = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return new TemporalUnreachableError(
    `cannot reach Temporal at ${address} (${detail}): start the local dev server with ` +
      '`npm run services`, or set TEMPORAL_ADDRESS (and TLS or API-key settings, or a ' +
      'TEMPORAL_PROFILE) to your cluster.',
  );
}

/** A client connection (CLI, schedules, progress). */
export async function connectClient(settings: TemporalSettings): Promise<Connection> {
  // A short connect timeout: a wrong address should fail in seconds, not ten.
  const options = { ...connectionOptions(settings), connectTimeout: '3s' };
  return Connection.connect(options).catch((err: unknown) => {
    throw unreachable(settings.address, err);
  });
}
