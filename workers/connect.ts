import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import {
  connectionOptions,
  unreachable,
  type TemporalSettings,
} from '../client/temporal-connection.js';

export { TemporalUnreachableError } from '../client/temporal-connection.js';

/** The worker's connection; an unreachable server gives one sentence naming the address. */
export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  const options: NativeConnectionOptions = connectionOptions(settings);
  return NativeConnection.connect(options).catch((err: unknown) => {
    throw unreachable(settings.address, err);
  });
}
