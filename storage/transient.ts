// Which store failures may pass by themselves (a server restarting, a network blip, throttling)
// and are worth waiting out inside the activity, as opposed to ones a retry cannot fix.
import { StoreUnreachableError } from './errors.js';

/** S3 error names that mean "try again later". */
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalError',
  'TimeoutError',
]);

/** Node network errors (also the S3 SDK's, before the store explains them). */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** True for connection refused/reset, timeouts, 5xx and throttling (429, SlowDown). */
export function isTransientStoreError(err: unknown): boolean {
  if (err instanceof StoreUnreachableError) return err.transient;
  for (let e = err as ErrorShape | undefined, depth = 0; e && depth < 4; depth++) {
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429)) return true;
    if (e.name && THROTTLED.has(e.name)) return true;
    if (e.code && NETWORK.has(e.code)) return true;
    if (/socket hang up/i.test(e.message ?? '')) return true;
    e = e.cause as ErrorShape | undefined;
  }
  return false;
}
