import { z } from 'zod';
import { ArtifactRefSchema } from '../storage/artifact-ref.js';
import type { SlotKind, StageInfo, StageRetry } from './stage-info.js';
import type { QueueKind } from './task-queues.js';

/** The inputs or outputs of a stage: named artifact refs (an optional input may be left unwired). */
export type ArtifactSlots = z.ZodObject<
  Record<string, typeof ArtifactRefSchema | z.ZodOptional<typeof ArtifactRefSchema>>
>;

/**
 * A stage, registered once: data plus zod schemas. Clients validate DAGs with it, activities
 * parse their params and inputs with it; the workflow sees only its plain part (`stageInfoOf`,
 * pipeline/stage-info-catalog.ts). The implementation (an activity) lives in `activities/`.
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

/** Which entries of a slot object must be wired. */
export function slotKinds(slots: ArtifactSlots): Record<string, SlotKind> {
  return Object.fromEntries(
    Object.entries(slots.shape).map(([name, schema]) => [
      name,
      schema instanceof z.ZodOptional ? 'optional' : 'required',
    ]),
  );
}

/** The plain part of a stage: what the executor workflow needs (no schemas, no functions). */
export function stageInfoOf(stage: StageDef): StageInfo {
  return {
    name: stage.name,
    version: stage.version,
    queue: stage.queue,
    inputs: slotKinds(stage.inputs),
    outputs: slotKinds(stage.outputs),
    timeouts: { ...stage.timeouts },
    ...(stage.retry ? { retry: { ...stage.retry } } : {}),
    ...(stage.nonRetryable ? { nonRetryable: [...stage.nonRetryable] } : {}),
    ...(stage.cacheable !== undefined ? { cacheable: stage.cacheable } : {}),
  };
}

export type StageParams<S extends StageDef> = z.output<S['params']>;
export type StageInputs<S extends StageDef> = z.output<S['inputs']>;
export type StageOutputs<S extends StageDef> = z.output<S['outputs']>;
