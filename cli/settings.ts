// Connection settings of the `elo` command. Temporal's come from Temporal's own client
// configuration (client/temporal-connection.ts: TEMPORAL_* variables over a temporal.toml profile,
// shared with the `temporal` CLI); the flags below are written into those variables before a
// command runs, so flags win over the environment, which wins over the profile. Workers started
// by the command, the store and the S3 client all see the same values.
import type { Command } from 'commander';
import { UsageError } from './errors.js';

/** Setting name → flag, environment variable. */
export const SETTINGS = {
  address: { flag: '--address <host:port>', env: 'TEMPORAL_ADDRESS', help: 'Temporal server' },
  namespace: { flag: '--namespace <name>', env: 'TEMPORAL_NAMESPACE', help: 'Temporal namespace' },
  profile: { flag: '--profile <name>', env: 'TEMPORAL_PROFILE', help: 'profile in the file' },
  configFile: {
    flag: '--config-file <file>',
    env: 'TEMPORAL_CONFIG_FILE',
    help: 'Temporal profile file (TOML; default ~/.config/temporalio/temporal.toml)',
  },
  tlsCert: {
    flag: '--tls-cert <file>',
    env: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    help: 'mTLS client cert',
  },
  tlsKey: {
    flag: '--tls-key <file>',
    env: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    help: 'mTLS client key',
  },
  tlsCa: { flag: '--tls-ca <file>', env: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', help: 'private CA' },
  apiKey: { flag: '--api-key <key>', env: 'TEMPORAL_API_KEY', help: 'API key (implies TLS)' },
  store: { flag: '--store <uri>', env: 'ELO_STORE', help: 'artifact store (./runs, s3://…)' },
  s3Endpoint: { flag: '--s3-endpoint <url>', env: 'ELO_S3_ENDPOINT', help: 'S3-compatible URL' },
} as const;
type SettingName = keyof typeof SETTINGS;

export function addSettingsOptions(program: Command): void {
  for (const s of Object.values(SETTINGS)) program.option(s.flag, `${s.help} [$${s.env}]`);
  // Kept only to say what replaced it.
  program.option('--settings <file>', 'removed: use --config-file / --profile (see docs)');
  program.addHelpText(
    'after',
    '\nConnection settings come from the flags above, then the environment variables named in ' +
      'brackets, then the profile ($TEMPORAL_PROFILE, default "default") of the Temporal ' +
      'profile file the `temporal` CLI also reads.',
  );
}

/** Flags over environment, written into `env` (process.env by default); the profile comes last. */
export function applySettings(opts: Record<string, unknown>, env = process.env): void {
  if (typeof opts['settings'] === 'string') {
    throw new UsageError(
      "--settings (ELO's JSON settings file) was removed: put the Temporal settings in a " +
        'temporal.toml profile (--config-file / TEMPORAL_CONFIG_FILE, --profile / ' +
        'TEMPORAL_PROFILE) and the store in --store / ELO_STORE, --s3-endpoint / ELO_S3_ENDPOINT',
    );
  }
  for (const [name, s] of Object.entries(SETTINGS) as [
    SettingName,
    (typeof SETTINGS)[SettingName],
  ][]) {
    const flag = opts[name];
    if (typeof flag === 'string') env[s.env] = flag;
  }
}
