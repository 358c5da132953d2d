import { z } from 'zod';
import type { S3Location } from './s3-location.js';

/**
 * Where and how to reach S3 or an S3-compatible server. Read from the environment
 * (ELO_S3_ENDPOINT, AWS_REGION, ELO_S3_FORCE_PATH_STYLE, ELO_S3_CHECKSUMS, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY) unless given explicitly.
 */
export const S3SettingsSchema = z.object({
  /** Unset for AWS itself; a URL such as http://127.0.0.1:9000 for S3-compatible servers. */
  endpoint: z.url().optional(),
  region: z.string().min(1).default('us-east-1'),
  /** Most S3-compatible servers want path-style URLs (http://host/bucket/key). */
  forcePathStyle: z.boolean().default(true),
  /**
   * The SDK adds CRC32 checksums to every upload by default, which some S3-compatible servers
   * reject: 'when-required' sends them only where the API demands it. Integrity is checked with
   * our own sha256 manifests either way.
   */
  checksums: z.enum(['when-supported', 'when-required']).default('when-required'),
  credentials: z
    .object({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().optional(),
    })
    .optional(),
});
export type S3Settings = z.infer<typeof S3SettingsSchema>;

export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return S3SettingsSchema.parse({
    endpoint: env['ELO_S3_ENDPOINT'] || undefined,
    region: env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined,
    forcePathStyle: env['ELO_S3_FORCE_PATH_STYLE']
      ? env['ELO_S3_FORCE_PATH_STYLE'] !== 'false'
      : undefined,
    checksums: env['ELO_S3_CHECKSUMS'] || undefined,
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken: env['AWS_SESSION_TOKEN'] || undefined }
        : undefined,
  });
}

/** The parts of the S3 settings that say where the store is, as the environment sets them. */
export function s3LocationFromEnv(env: NodeJS.ProcessEnv = process.env): S3Location {
  const { endpoint, region, forcePathStyle, checksums } = s3SettingsFromEnv(env);
  const regionSet = Boolean(env['AWS_REGION'] || env['AWS_DEFAULT_REGION']);
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(regionSet ? { region } : {}),
    ...(env['ELO_S3_FORCE_PATH_STYLE'] ? { forcePathStyle } : {}),
    ...(env['ELO_S3_CHECKSUMS'] ? { checksums } : {}),
  };
}
