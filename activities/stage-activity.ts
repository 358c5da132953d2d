import {
  ApplicationFailure,
  CancelledFailure,
  Context,
  activityInfo,
  heartbeat,
} from '@temporalio/activity';
import type { z } from 'zod';
import type {
  StageActivityInput,
  StageActivityResult,
  StageFailureDetails,
  StageHeartbeat,
  TrainingProgress,
  WorkerMemory,
} from '../pipeline/stage-call.js';
import type { StageDef, StageInputs, StageOutputs, StageParams } from '../pipeline/stage.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { MemoryGate, StageMemoryNeed } from './memory-gate.js';
import { trainingMetrics } from './training-metrics.js';

/** What a stage implementation gets: parsed params and inputs, the store, progress reporting. */
export interface StageContext<S extends StageDef> {
  stage: S;
  params: StageParams<S>;
  inputs: StageInputs<S>;
  run: StageActivityInput['run'];
  nodeId: string;
  store: ArtifactStore;
  /** 1 on the first try. */
  attempt: number;
  /**
   * Store key for this node's artifact `name`: `runs/<run>/<node>/<tag>/<name>`, tag = the first 16
   * hex digits of the cache key (else of the workflow run id). Artifacts are immutable, so a node
   * re-run with other params or inputs must write elsewhere; a retry writes the same keys.
   */
  artifactKey(name: string): string;
  /**
   * `artifactKey(name)` plus this attempt (`…/<name>/<workflow run>-a<attempt>`), for artifacts a
   * retry cannot reproduce byte for byte (they hold timings or the time of writing): an attempt
   * that died after committing one must not make its successor's commit a conflict.
   */
  attemptKey(name: string): string;
  /** Progress as heartbeat details (kept a few hundred bytes); re-sent between calls. */
  progress(details: TrainingProgress): void;
  /** Details of the previous attempt's last heartbeat, if this is a retry. */
  previousProgress: unknown;
  /** Aborted on cancellation (workflow cancelled, worker shutting down); reason is a CancelledFailure. */
  signal: AbortSignal;
}

export interface StageOutcome<S extends StageDef> {
  outputs: StageOutputs<S>;
  metrics?: Record<string, number>;
}

export type StageImpl<S extends StageDef> = (ctx: StageContext<S>) => Promise<StageOutcome<S>>;

/** A stage paired with its implementation; workers register these. */
export interface StageImplementation {
  stage: StageDef;
  run(input: StageActivityInput, deps: StageDeps): Promise<StageActivityResult>;
}

export interface StageDeps {
  storeFor(uri: string): Promise<ArtifactStore>;
  /** The worker's identity (`pid@host`): sent with every heartbeat and failure of its attempts. */
  worker?: string;
  /**
   * The worker's memory budget and use now, sent with every heartbeat so `elo workers` shows it
   * (a worker without a budget leaves it out).
   */
  workerMemory?: () => WorkerMemory;
  /** The worker's memory budget; stages that estimate their peak are admitted through it. */
  memory?: MemoryGate;
}

export interface StageOptions<S extends StageDef> {
  /**
   * The stage's peak memory, estimated before it loads anything (from the config.json of its
   * input model, its params): the worker admits it only while it fits the budget.
   */
  memory?: (ctx: StageContext<S>) => Promise<StageMemoryNeed | undefined>;
}

/**
 * Wraps a stage implementation as a durable activity: validates params and inputs with the stage's
 * schemas (bad input: non-retryable, naming the field), heartbeats while it runs so cancellation
 * can reach it, validates outputs, and turns errors the stage lists as non-retryable into
 * non-retryable failures. Every failure carries the attempt number for the node table.
 */
export function implementStage<S extends StageDef>(
  stage: S,
  impl: StageImpl<S>,
  options: StageOptions<S> = {},
): StageImplementation {
  return {
    stage,
    async run(input, deps) {
      const attempt = activityInfo().attempt;
      const worker = deps.worker;
      const details: StageFailureDetails = {
        stage: stage.name,
        attempt,
        ...(worker ? { worker } : {}),
      };
      const params = parseOrFail(stage.params, input.params, `${stage.name}: params`, details);
      const inputs = parseOrFail(stage.inputs, input.inputs, `${stage.name}: inputs`, details);
      const store = await deps.storeFor(input.run.storeUri);
      const ctx = Context.current();
      let last: TrainingProgress | undefined;
      const metrics = trainingMetrics({ run: input.run.runName, node: input.nodeId });
      // Every heartbeat names the worker, so the UI shows which machine runs (or ran) the attempt.
      const send = () => {
        const payload: StageHeartbeat = { ...last, ...(worker ? { worker } : {}) };
        if (deps.workerMemory) {
          const { budgetBytes, inUseBytes } = deps.workerMemory();
          payload.workerMemory = { budgetBytes, inUseBytes };
        }
        heartbeat(payload);
      };
      // Heartbeats carry cancellation to the activity; the SDK throttles them to the timeout.
      const beat = stage.timeouts.heartbeat ? setInterval(send, 1000) : undefined;
      let release: (() => void) | undefined;
      try {
        const stageCtx: StageContext<S> = {
          stage,
          params: params as StageParams<S>,
          inputs: inputs as StageInputs<S>,
          run: input.run,
          nodeId: input.nodeId,
          store,
          attempt,
          artifactKey: (name) => artifactKey(input, name),
          attemptKey: (name) =>
            `${artifactKey(input, name)}/${input.run.workflowRunId.slice(0, 8)}-a${attempt}`,
          progress: (progress) => {
            checkProgressSize(stage, progress, details);
            last = progress;
            send();
            metrics.progress(progress);
          },
          previousProgress: activityInfo().heartbeatDetails,
          signal: ctx.cancellationSignal,
        };
        if (deps.memory && options.memory) {
          // Waits (heartbeating, cancellable) while other stages hold the memory it needs.
          const need = await options.memory(stageCtx);
          if (need)
            release = await deps.memory.admit(
              { ...need, run: input.run.runName, nodeId: input.nodeId, stage: stage.name },
              ctx.cancellationSignal,
            );
        }
        const outcome = await impl(stageCtx);
        const outputs = parseOrFail(
          stage.outputs,
          outcome.outputs,
          `${stage.name}: outputs`,
          details,
          'InvalidStageOutput',
        ) as StageActivityResult['outputs'];
        return { outputs, metrics: outcome.metrics ?? {}, attempt };
      } catch (err) {
        throw toFailure(err, stage, details);
      } finally {
        release?.();
        if (beat) clearInterval(beat);
      }
    },
  };
}

/** Heartbeat details count against Temporal's payload limits: progress is scalars and a ref. */
export const MAX_PROGRESS_BYTES = 4096;

function checkProgressSize(stage: StageDef, progress: unknown, details: StageFailureDetails) {
  const bytes = Buffer.byteLength(JSON.stringify(progress));
  if (bytes > MAX_PROGRESS_BYTES) {
    throw ApplicationFailure.create({
      message: `${stage.name}: progress details are ${bytes} bytes; keep them under ${MAX_PROGRESS_BYTES} (scalars and a checkpoint ref, never tensors)`,
      type: 'ProgressTooLarge',
      nonRetryable: true,
      details: [details],
    });
  }
}

function artifactKey(input: StageActivityInput, name: string): string {
  return `runs/${input.run.runName}/${input.nodeId}/${outputTag(input)}/${name}`;
}

function outputTag(input: StageActivityInput): string {
  return input.cacheKey?.slice(0, 16) ?? `run-${input.run.workflowRunId.slice(0, 8)}`;
}

/** `value` parsed by `schema`, or a non-retryable failure naming every bad field. */
export function parseOrFail(
  schema: z.ZodType,
  value: unknown,
  what: string,
  details: StageFailureDetails,
  type = 'InvalidStageInput',
): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
  );
  throw ApplicationFailure.create({
    message: `${what} invalid: ${problems.join('; ')}`,
    type,
    nonRetryable: true,
    details: [details],
  });
}

function toFailure(err: unknown, stage: StageDef, details: StageFailureDetails): unknown {
  // Cancellation must reach the SDK as is, so the attempt is resolved as cancelled.
  if (err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError'))
    return err;
  if (err instanceof ApplicationFailure) {
    if (err.details?.length) return err;
    return ApplicationFailure.create({
      message: err.message,
      type: err.type ?? undefined,
      nonRetryable: err.nonRetryable || (stage.nonRetryable ?? []).includes(err.type ?? ''),
      details: [details],
      cause: err.cause,
    });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({
    message: `${stage.name}: ${error.message}`,
    type: error.name,
    // Typed errors that know they cannot succeed on retry (the store's) say so themselves.
    nonRetryable:
      (error as { nonRetryable?: unknown }).nonRetryable === true ||
      (stage.nonRetryable ?? []).includes(error.name),
    details: [details],
    cause: error,
  });
}
