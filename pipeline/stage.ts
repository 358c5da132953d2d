import { z } from 'zod';
import { ArtifactRefSchema } from '../storage/artifact-ref.js';
import type { QueueKind } from './task-queues.js';

/** The inputs or outputs of a stage: named artifact refs (an optional input may be left unwired). */
export type ArtifactSlots = z.ZodObject<
  Record<string, typeof ArtifactRefSchema | z.ZodOptional<typeof ArtifactRefSchema>>
>;

/** Temporal retry policy of a stage's activity, in plain data (durations as ms strings). */
export interface StageRetry {
  maximumAttempts?: number;
  initialInterval?: string;
  backoffCoefficient?: number;
  maximumInterval?: string;
}

/**
 * A stage, registered once. Pure data plus zod schemas: workflows import it to validate DAGs and
 * to pick activity options; the implementation (an activity) lives in `activities/`.
 */
export interface StageDef<
  P extends z.ZodType = z.ZodType,
  I extends ArtifactSlots = ArtifactSlots,
  O extends ArtifactSlots = ArtifactSlots,
> {
  /** Also the activity type name: kebab-case, unique (`elo-pretrain`). */
  name: string;
  /** Bump when the implementation's results change: it is part of the cache key. */
  version: string;
  queue: QueueKind;
  description?: string;
  params: P;
  inputs: I;
  outputs: O;
  timeouts: {
    /** One attempt's limit, e.g. '10 minutes'. */
    startToClose: string;
    /** Set for anything long: the activity must heartbeat within it, and hears cancellation. */
    heartbeat?: string;
  };
  retry?: StageRetry;
  /** Error names (`err.name` / ApplicationFailure type) that must not be retried. */
  nonRetryable?: readonly string[];
  /** false for stages whose results must never be reused (default true). */
  cacheable?: boolean;
  /**
   * Files the stage reads by path or URI from its params (not as artifact inputs): their contents
   * enter the cache key, so a file edited in place is never served from a stale result.
   */
  sourcesOf?: (params: unknown) => string[];
}

/** Defines a stage, keeping its schema types for the implementation side. */
export function defineStage<P extends z.ZodType, I extends ArtifactSlots, O extends ArtifactSlots>(
  def: StageDef<P, I, O>,
): StageDef<P, I, O> {
  return def;
}

type RefSlot<K> = K extends 'optional'
  ? z.ZodOptional<typeof ArtifactRefSchema>
  : typeof ArtifactRefSchema;

/** Slots of artifact refs: `artifacts({ model: 'required', extra: 'optional' })`. */
export function artifacts<T extends Record<string, 'required' | 'optional'>>(
  slots: T,
): z.ZodObject<{ [K in keyof T]: RefSlot<T[K]> }> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, kind] of Object.entries(slots)) {
    shape[name] = kind === 'optional' ? ArtifactRefSchema.optional() : ArtifactRefSchema;
  }
  return z.object(shape) as unknown as z.ZodObject<{ [K in keyof T]: RefSlot<T[K]> }>;
}

/** Names of a slot object's entries, and which of them must be wired. */
export function slotNames(slots: ArtifactSlots): { name: string; required: boolean }[] {
  return Object.entries(slots.shape).map(([name, schema]) => ({
    name,
    required: !(schema instanceof z.ZodOptional),
  }));
}

export type StageParams<S extends StageDef> = z.output<S['params']>;
export type StageInputs<S extends StageDef> = z.output<S['inputs']>;
export type StageOutputs<S extends StageDef> = z.output<S['outputs']>;
