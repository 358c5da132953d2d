import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';

/*
 * History <-> the standard proto-JSON form (what `temporal workflow show -o json` writes).
 * The SDK's own historyToJSON/historyFromJSON fail in this install ("type must be a Type"): npm
 * gives @temporalio/common and @temporalio/proto separate copies of protobufjs, and protojson from
 * one does not accept types from the other. So protojson is loaded from beside @temporalio/proto.
 */
const require = createRequire(import.meta.url);
const requireFromProto = createRequire(require.resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
const { patchProtobufRoot } = requireFromProto('@temporalio/proto/lib/patch-protobuf-root') as {
  patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
};
const historyType = patchProtobufRoot(requireFromProto('@temporalio/proto')).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJson(history: History): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return JSON.stringify(protojson.toJson(historyType, message), null, 2);
}

export function historyFromJson(text: string): History {
  return protojson.fromJson(historyType, JSON.parse(text), {
    ignoreUnknownFields: true,
  }) as History;
}
