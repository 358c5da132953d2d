import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import {
  connectionOptions,
  unreachable,
  type TemporalSettings,
} from '../client/temporal-connection.js';

export { TemporalUnreachableError } from '../client/temporal-connection.js';

/** The worker's connection; an unreachable server gives one sentence naming the address. */
export async function connectWorker(env: TemporalSettings): Promise<NativeConnection> {
  const options: NativeConnectionOptions = await connectionOptions(env);
  return NativeConnection.connect(options).catch((err: unknown) => {
    throw unreachable(env.TEMPORAL_ADDRESS, err);
  });
}
