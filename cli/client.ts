// What the run commands share: a Temporal client from the resolved settings, store URIs as the
// workers open them, and the task queues the workers poll.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@temporalio/client';
import { connectClient, temporalSettings } from '../client/temporal-connection.js';
import { defaultStoreUri } from '../storage/open-store.js';
import { withS3Location } from '../storage/s3-location.js';
import { s3LocationFromEnv } from '../storage/s3-settings.js';

export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const settings = temporalSettings();
  const connection = await connectClient(settings);
  try {
    return await fn(new Client({ connection, namespace: settings.namespace }));
  } finally {
    await connection.close();
  }
}

/**
 * The store as a URI the workers can open: local paths become absolute file:// URIs; an S3 URI
 * carries where the store is (--s3-endpoint, AWS_REGION, …), never credentials (s3-location.ts).
 */
export function storeUriOf(store: string = defaultStoreUri()): string {
  if (store.startsWith('s3://')) return withS3Location(store, s3LocationFromEnv());
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(store) ? store : pathToFileURL(path.resolve(store)).href;
}

/** Task queues as the workers name them (ELO_CPU_QUEUE / ELO_GPU_QUEUE), else the defaults. */
export function taskQueues(): { cpu?: string; gpu?: string } {
  const cpu = process.env['ELO_CPU_QUEUE'];
  const gpu = process.env['ELO_GPU_QUEUE'];
  return { ...(cpu ? { cpu } : {}), ...(gpu ? { gpu } : {}) };
}

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));
