import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** Hex sha256 of bytes or a string (UTF-8). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a value's canonical JSON: key order and formatting do not count (cache keys, configs). */
export function sha256Json(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
