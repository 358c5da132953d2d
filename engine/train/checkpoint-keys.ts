// The one checkpoint key format: `<prefix>/step-00000042`, zero-padded to 8 digits so keys sort
// by step as text too. Steps are read back as numbers, so keys written with other padding (the
// 9-digit keys of older test-stage runs) still parse and order correctly. No tfjs here: workers
// that never train read these keys too.
const STEP_KEY = /\/step-(\d+)$/;

export function checkpointKey(prefix: string, step: number): string {
  return `${prefix}/step-${String(step).padStart(8, '0')}`;
}

/** The step a checkpoint key names, or undefined for a key that is not a checkpoint. */
export function checkpointStep(key: string): number | undefined {
  const match = STEP_KEY.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** The checkpoint keys among `keys`, newest step first. */
export function newestFirst(keys: readonly string[]): string[] {
  return keys
    .filter((k) => checkpointStep(k) !== undefined)
    .sort((a, b) => checkpointStep(b)! - checkpointStep(a)!);
}

/**
 * The one resume rule, for the engine's checkpointer and any other training loop: the newest
 * checkpoint under `prefix` that `load` accepts. `load` returns null to skip one that does not
 * verify (saying why is the caller's); a throw (a store that cannot be reached) ends the search.
 */
export async function loadNewestCheckpoint<T>(
  store: { list(prefix: string): Promise<string[]> },
  prefix: string,
  load: (key: string) => Promise<T | null>,
): Promise<T | null> {
  for (const key of newestFirst(await store.list(prefix))) {
    const loaded = await load(key);
    if (loaded !== null) return loaded;
  }
  return null;
}
