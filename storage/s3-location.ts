import { StoreConfigError } from './errors.js';

/** `s3://bucket/prefix` split into its parts; the prefix has no leading or trailing slash. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
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
