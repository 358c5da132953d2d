import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { canonicalJson } from '../formats/canonical-json.js';
import { sha256Hex } from '../formats/sha256.js';

export { canonicalJson, sha256Hex };

/** Hex sha256 and size of a file, streamed: memory stays flat whatever its size. */
export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** sha256 of a value's canonical JSON: stable cache keys for configs and params. */
export function sha256Json(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
