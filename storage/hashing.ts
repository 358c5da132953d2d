import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../formats/canonical-json.js';
import { sha256Hex, sha256Json } from '../formats/sha256.js';

export { canonicalJson, sha256Hex, sha256Json };

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

/**
 * One digest over several files of a folder: for each name in the given order, the name, a NUL,
 * then its bytes, streamed. A model's identity (import-model): memory stays flat for files of any
 * size (a 2.5 GB single-file model too; `readFile` cannot return a file over 2 GiB).
 */
export async function filesDigest(dir: string, names: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const name of names) {
    hash.update(name + '\0');
    for await (const chunk of createReadStream(path.join(dir, name), { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
