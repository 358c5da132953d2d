import { s3SettingsFromEnv, type S3Settings } from '../../storage/s3-settings.js';

/** Integration tests run under `npm test`, which starts the servers and exports where they are. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: integration tests need the Temporal and S3 servers that \`npm test\` starts ` +
        '(run `npm test -- integration`, not node --test directly)',
    );
  }
  return value;
}

export function temporalAddress(): string {
  return required('TEMPORAL_ADDRESS');
}

export function s3TestTarget(): { settings: S3Settings; bucket: string } {
  required('ELO_S3_ENDPOINT');
  return { settings: s3SettingsFromEnv(), bucket: required('ELO_S3_BUCKET') };
}

/** A name no other test (or earlier run against the same server) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
