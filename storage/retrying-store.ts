// A store whose operations wait out failures that pass (the S3 server restarting, a network blip,
// throttling) with backoff, for minutes, before giving up. Activities use it, so a stage's
// Temporal attempts are spent on worker deaths, not on seconds of network (issue 14: a 3 s S3
// outage used 3 of the training stage's 5 attempts). Every operation is safe to repeat: commits
// are manifest-last and idempotent for identical content, reads and deletes are idempotent.
import type { ArtifactStore } from './artifact-store.js';
import { StoreConfigError, StoreUnreachableError } from './errors.js';
import { isTransientStoreError } from './transient.js';

export interface StoreRetryOptions {
  /** Keep retrying a failing operation this long (ms) since its first failure. */
  retryForMs: number;
  /** First wait; doubles each time up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Told about each wait (the activity logs it; heartbeats go on meanwhile). */
  onRetry?: (info: { operation: string; error: unknown; attempt: number; delayMs: number }) => void;
}

/** Default: 5 minutes, long enough for a server restart or a failover. */
export const DEFAULT_STORE_RETRY_MS = 5 * 60_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `ELO_STORE_RETRY_FOR`: `300s`, `5m`, `1h`, `0` (no retries) or plain milliseconds. */
export function storeRetryFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['ELO_STORE_RETRY_FOR']?.trim();
  if (!text) return DEFAULT_STORE_RETRY_MS;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(text);
  if (!match)
    throw new StoreConfigError(
      `ELO_STORE_RETRY_FOR="${text}": expected a duration like 300s, 5m or 1h`,
    );
  return Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
}

/** Runs `op`, retrying transient store errors with capped exponential backoff. */
export async function withStoreRetry<T>(
  operation: string,
  op: () => Promise<T>,
  opts: StoreRetryOptions,
): Promise<T> {
  const initial = opts.initialDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 15_000;
  let firstFailure: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (!isTransientStoreError(error)) throw error;
      firstFailure ??= Date.now();
      const left = firstFailure + opts.retryForMs - Date.now();
      if (left <= 0)
        throw error instanceof StoreUnreachableError ? error.outlasted(opts.retryForMs) : error;
      const delayMs = Math.min(left, max, initial * 2 ** (attempt - 1));
      opts.onRetry?.({ operation, error, attempt, delayMs });
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

const RETRIED = [
  'commitFolder',
  'commitFiles',
  'readManifest',
  'refOf',
  'fetchFolder',
  'readFile',
  'list',
  'delete',
  'cleanUncommitted',
  'writeDocument',
  'readDocument',
] as const satisfies readonly (keyof ArtifactStore)[];

/** `store` with every I/O operation wrapped in `withStoreRetry`. */
export function retryingStore(store: ArtifactStore, opts: StoreRetryOptions): ArtifactStore {
  if (opts.retryForMs <= 0) return store;
  const wrapped: Record<string, unknown> = {
    rootUri: store.rootUri,
    uriFor: (key: string) => store.uriFor(key),
    keyOf: (uri: string) => store.keyOf(uri),
  };
  for (const name of RETRIED) {
    const method = store[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = (...args: unknown[]) =>
      withStoreRetry(`${name} ${String(args[0])}`, () => method.apply(store, args), opts);
  }
  return wrapped as unknown as ArtifactStore;
}
