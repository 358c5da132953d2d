import { StoreConfigError } from './errors.js';
import type { S3Settings } from './s3-settings.js';

/** `s3://bucket/prefix` split into its parts; the prefix has no leading or trailing slash. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  if (/^s3:\/\/[^/]*@/.test(uri)) throw new StoreConfigError(secretRefusal('the S3 URI'));
  const match = /^s3:\/\/([^/?]+)\/?([^?]*)$/.exec(uri);
  if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1]!)) {
    throw new StoreConfigError(
      `"${uri}" is not an S3 URI: expected s3://bucket[/prefix] with a valid bucket name`,
    );
  }
  return { bucket: match[1]!, prefix: match[2]!.replace(/^\/+|\/+$/g, '') };
}

/** Joins non-empty path segments with '/'. */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/**
 * Where a store is, short of credentials: it travels with a run inside the store URI
 * (`s3://bucket/prefix?endpoint=…&region=…&path-style=…&checksums=…`), so the worker reaches the
 * store the run was started against and the audit (history, run.json) shows which one. Secrets
 * never travel: a worker authenticates with its own (environment, profile, IAM role).
 */
export type S3Location = Partial<
  Pick<S3Settings, 'endpoint' | 'region' | 'forcePathStyle' | 'checksums'>
>;

const LOCATION_PARAMS = ['endpoint', 'region', 'path-style', 'checksums'] as const;

function secretRefusal(where: string): string {
  return (
    `${where} holds credentials: a run's store location is recorded in its workflow history ` +
    'and run.json, so secrets never travel with it. Give them to the worker instead ' +
    '(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an IAM role)'
  );
}

/** Refuses an endpoint URL with a user or password in it (it would travel with the run). */
export function checkEndpoint(endpoint: string, where = 'the S3 endpoint'): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new StoreConfigError(`${where} "${endpoint}" is not a URL (e.g. http://127.0.0.1:9000)`);
  }
  if (url.username || url.password) throw new StoreConfigError(secretRefusal(where));
  return endpoint;
}

/** A store URI's bucket and prefix, and the location its query names. */
export function parseS3StoreUri(uri: string): {
  bucket: string;
  prefix: string;
  location: S3Location;
} {
  const q = uri.indexOf('?');
  const { bucket, prefix } = parseS3Uri(q < 0 ? uri : uri.slice(0, q));
  const location: S3Location = {};
  for (const [name, value] of new URLSearchParams(q < 0 ? '' : uri.slice(q + 1))) {
    if (!(LOCATION_PARAMS as readonly string[]).includes(name)) {
      throw new StoreConfigError(
        /key|secret|token|password|credential/i.test(name)
          ? secretRefusal(`the store URI's "${name}"`)
          : `the store URI's "${name}" is not a store setting: use ${LOCATION_PARAMS.join(', ')}`,
      );
    }
    if (name === 'endpoint') location.endpoint = checkEndpoint(value, "the store URI's endpoint");
    else if (name === 'region') location.region = value;
    else if (name === 'path-style') location.forcePathStyle = value !== 'false';
    else if (value === 'when-supported' || value === 'when-required') location.checksums = value;
    else
      throw new StoreConfigError(
        `the store URI's checksums="${value}": use when-supported or when-required`,
      );
  }
  return { bucket, prefix, location };
}

/** `uri` with the location appended as its query (the parts that are set), for a run to carry. */
export function withS3Location(uri: string, location: S3Location): string {
  const { bucket, prefix, location: own } = parseS3StoreUri(uri);
  const all = { ...location, ...own };
  const params = new URLSearchParams();
  if (all.endpoint) params.set('endpoint', checkEndpoint(all.endpoint));
  if (all.region) params.set('region', all.region);
  if (all.forcePathStyle !== undefined) params.set('path-style', String(all.forcePathStyle));
  if (all.checksums) params.set('checksums', all.checksums);
  const base = `s3://${joinKey(bucket, prefix)}`;
  return params.size ? `${base}?${params.toString()}` : base;
}
