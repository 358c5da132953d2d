import type { FileHandle } from 'node:fs/promises';

// One read(2) moves at most ~2 GiB, and may return fewer bytes than asked: loop.
const MAX_READ = 1 << 30;

/** Fills `target` from `position`; throws if the file ends first. */
export async function readExact(
  fh: FileHandle,
  target: Uint8Array,
  position: number,
  onShort: () => Error,
): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const len = Math.min(MAX_READ, target.byteLength - done);
    const { bytesRead } = await fh.read(target, done, len, position + done);
    if (bytesRead === 0) throw onShort();
    done += bytesRead;
  }
}
