import type { QueueKind } from './task-queues.js';

/** Whether a stage's input or output slot must be wired (outputs are always 'required'). */
export type SlotKind = 'required' | 'optional';

/** Temporal retry policy of a stage's activity, in plain data (durations as ms strings). */
export interface StageRetry {
  maximumAttempts?: number;
  initialInterval?: string;
  backoffCoefficient?: number;
  maximumInterval?: string;
}

/**
 * A stage as the executor workflow sees it: plain data, no schemas. The workflow bundle carries
 * only these (pipeline/stage-info-catalog.ts, generated from the zod definitions in
 * pipeline/stages/), so it never loads zod or the artifact-ref schema.
 */
export interface StageInfo {
  /** Also the activity type name. */
  name: string;
  /** Part of the cache key. */
  version: string;
  queue: QueueKind;
  inputs: Readonly<Record<string, SlotKind>>;
  outputs: Readonly<Record<string, SlotKind>>;
  timeouts: { startToClose: string; heartbeat?: string };
  retry?: StageRetry;
  /** Error names (ApplicationFailure types) that must not be retried. */
  nonRetryable?: readonly string[];
  /** false for stages whose results must never be reused (default true). */
  cacheable?: boolean;
}

/** Names of a stage's input or output slots, and which of them must be wired. */
export function slotNames(
  slots: Readonly<Record<string, SlotKind>>,
): { name: string; required: boolean }[] {
  return Object.entries(slots).map(([name, kind]) => ({ name, required: kind === 'required' }));
}
