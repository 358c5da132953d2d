import { StoreConfigError, StoreUnreachableError } from './errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'ENETUNREACH',
]);
const AUTH_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'CredentialsProviderError',
]);

/**
 * Turns AWS SDK failures that a person must act on into errors that say where and what to do;
 * everything else is returned unchanged.
 */
export function explainS3Error(err: unknown, endpoint: string, bucket: string): unknown {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if ((code && NETWORK_CODES.has(code)) || e.name === 'TimeoutError') {
    return new StoreUnreachableError(
      endpoint,
      `${code ?? e.name}: ${e.message ?? ''}`.trim(),
      'Check that the S3 server runs there and that this worker can reach it (the endpoint ' +
        "comes with the run's store URI, else from ELO_S3_ENDPOINT).",
      true,
    );
  }
  if (e.name && AUTH_NAMES.has(e.name)) {
    return new StoreUnreachableError(
      endpoint,
      `${e.name}: ${e.message ?? ''}`.trim(),
      'Credentials never travel with a run: this process uses its own. Set AWS_ACCESS_KEY_ID ' +
        'and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or an IAM role) for this endpoint in its ' +
        'environment.',
    );
  }
  if (e.name === 'NoSuchBucket') {
    return new StoreConfigError(
      `bucket "${bucket}" does not exist at ${endpoint}: create it or fix the store URI`,
    );
  }
  return err;
}
