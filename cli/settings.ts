// Connection settings of the `elo` command: flags first, then the environment, then a settings
// file. They are resolved once, before a command runs, into the environment variables the rest
// of the code reads (TEMPORAL_*, ELO_STORE, ELO_S3_ENDPOINT), so workers started by the command,
// the store and the S3 client all see the same values.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from './errors.js';

/** Setting name → flag, environment variable. */
export const SETTINGS = {
  address: { flag: '--address <host:port>', env: 'TEMPORAL_ADDRESS', help: 'Temporal server' },
  namespace: { flag: '--namespace <name>', env: 'TEMPORAL_NAMESPACE', help: 'Temporal namespace' },
  tlsCert: { flag: '--tls-cert <file>', env: 'TEMPORAL_TLS_CERT_PATH', help: 'mTLS client cert' },
  tlsKey: { flag: '--tls-key <file>', env: 'TEMPORAL_TLS_KEY_PATH', help: 'mTLS client key' },
  tlsCa: { flag: '--tls-ca <file>', env: 'TEMPORAL_TLS_CA_PATH', help: 'private CA' },
  apiKey: { flag: '--api-key <key>', env: 'TEMPORAL_API_KEY', help: 'API key (implies TLS)' },
  store: { flag: '--store <uri>', env: 'ELO_STORE', help: 'artifact store (./runs, s3://…)' },
  s3Endpoint: { flag: '--s3-endpoint <url>', env: 'ELO_S3_ENDPOINT', help: 'S3-compatible URL' },
} as const;
type SettingName = keyof typeof SETTINGS;

const SettingsFileSchema = z
  .object(
    Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, z.string().min(1).optional()])) as {
      [K in SettingName]: z.ZodOptional<z.ZodString>;
    },
  )
  .strict();

/** Where the settings file is looked for when --settings is not given. */
export function defaultSettingsFile(env = process.env): string {
  return env['ELO_SETTINGS'] ?? path.join(os.homedir(), '.config', 'elo', 'settings.json');
}

export function addSettingsOptions(program: Command): void {
  program.option(
    '--settings <file>',
    'settings file (JSON: address, namespace, tlsCert, tlsKey, tlsCa, apiKey, store, s3Endpoint); ' +
      'default $ELO_SETTINGS or ~/.config/elo/settings.json',
  );
  for (const s of Object.values(SETTINGS)) program.option(s.flag, `${s.help} [$${s.env}]`);
  program.addHelpText(
    'after',
    '\nConnection settings come from the flags above, then the environment variables named in ' +
      'brackets, then the settings file.',
  );
}

function readSettingsFile(file: string, explicit: boolean): Partial<Record<SettingName, string>> {
  if (!existsSync(file)) {
    if (explicit) throw new UsageError(`settings file ${file} does not exist: fix the path`);
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`settings file ${file} is not JSON: ${(err as Error).message}`);
  }
  const r = SettingsFileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`settings file ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** Flags over environment over file, written into `env` (process.env by default). */
export function applySettings(opts: Record<string, unknown>, env = process.env): void {
  const explicit = typeof opts['settings'] === 'string';
  const file = readSettingsFile(
    explicit ? (opts['settings'] as string) : defaultSettingsFile(env),
    explicit,
  );
  for (const [name, s] of Object.entries(SETTINGS) as [
    SettingName,
    (typeof SETTINGS)[SettingName],
  ][]) {
    const flag = opts[name];
    if (typeof flag === 'string') env[s.env] = flag;
    else if (!env[s.env] && file[name]) env[s.env] = file[name];
  }
}
