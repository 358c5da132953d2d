import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyToJson } from '../../client/history-json.js';

/**
 * A history as proto-JSON with every payload's data decoded from base64, so a grep sees what
 * the payloads hold (inputs, results, heartbeats, failures' details) and not their encoding.
 */
export function historyText(history: History): string {
  return historyToJson(history).replace(
    /"data": "([A-Za-z0-9+/=]*)"/g,
    (_, b64: string) => `"data": ${JSON.stringify(Buffer.from(b64, 'base64').toString('utf8'))}`,
  );
}
