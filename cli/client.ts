// What the run commands share: a Temporal client from the resolved settings, store URIs as the
// workers open them, and the task queues the workers poll.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@temporalio/client';
import { connectClient, temporalEnv } from '../client/temporal-connection.js';
import { defaultStoreUri } from '../storage/open-store.js';

export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const env = temporalEnv();
  const connection = await connectClient(env);
  try {
    return await fn(new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}

/** The store as a URI the workers can open: local paths become absolute file:// URIs. */
export function storeUriOf(store: string = defaultStoreUri()): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(store) ? store : pathToFileURL(path.resolve(store)).href;
}

/** Task queues as the workers name them (ELO_CPU_QUEUE / ELO_GPU_QUEUE), else the defaults. */
export function taskQueues(): { cpu?: string; gpu?: string } {
  const cpu = process.env['ELO_CPU_QUEUE'];
  const gpu = process.env['ELO_GPU_QUEUE'];
  return { ...(cpu ? { cpu } : {}), ...(gpu ? { gpu } : {}) };
}

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));
