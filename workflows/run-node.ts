import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  isCancellation,
  log,
  proxyActivities,
  type ActivityOptions,
} from '@temporalio/workflow';
// Only import the activity types: workflow code is bundled and replayed without Node APIs.
import type { PipelineActivities } from '../activities/pipeline/index.js';
import { stageActivityOptions } from '../pipeline/activity-options.js';
import type { ResolvedNode } from '../pipeline/dag.js';
import type { RunScheduler } from '../pipeline/scheduler.js';
import type {
  StageActivityInput,
  StageActivityResult,
  StageFailureDetails,
} from '../pipeline/stage-call.js';
import type { StageInfo } from '../pipeline/stage-info.js';
import type { QueueKind } from '../pipeline/task-queues.js';

type StageActivity = (input: StageActivityInput) => Promise<StageActivityResult>;

/** What running one node needs from its run. */
export interface NodeRun {
  scheduler: RunScheduler;
  run: StageActivityInput['run'];
  queues: Record<QueueKind, string>;
  /** false: compute cache keys, but never reuse an entry. */
  useCache: boolean;
  /** Options of the executor's own activities (cache, run.json): the cpu queue, short retries. */
  pipelineOptions: ActivityOptions;
}

/**
 * Runs one node: looks its result up in the cache (cacheable stages), else runs the stage's
 * activity and records the result in the cache. Every outcome lands in the scheduler's node
 * table; a failure or cancellation of the node is recorded, not thrown.
 */
export async function runNode(node: ResolvedNode, stage: StageInfo, ctx: NodeRun): Promise<void> {
  const { scheduler, run } = ctx;
  const inputs = scheduler.inputsOf(node);
  // Executor activities run under ids that name the node, so history maps back to it.
  const pipelineActivities = (activityId: string) =>
    proxyActivities<PipelineActivities>({ ...ctx.pipelineOptions, activityId });
  let succeeded = false;
  try {
    if (stage.cacheable !== false) {
      const found = await pipelineActivities(`cache-lookup/${node.id}`).pipelineCacheLookup({
        storeUri: run.storeUri,
        stage: stage.name,
        version: stage.version,
        params: node.params,
        inputs,
        lookup: ctx.useCache,
      });
      scheduler.keyed(node.id, found.key);
      if (found.entry) {
        scheduler.cached(node.id, found.entry);
        return;
      }
    }
    const cacheKey = scheduler.row(node.id).cacheKey;
    const result = await stageActivity(
      stage,
      node,
      ctx,
    )({
      run,
      nodeId: node.id,
      params: node.params,
      inputs,
      ...(cacheKey ? { cacheKey } : {}),
    });
    succeeded = true;
    scheduler.succeeded(node.id, result);
    if (cacheKey) {
      await pipelineActivities(`cache-record/${node.id}`)
        .pipelineCacheRecord({
          storeUri: run.storeUri,
          key: cacheKey,
          stage: stage.name,
          version: stage.version,
          outputs: result.outputs,
          metrics: result.metrics,
          producedBy: { runName: run.runName, nodeId: node.id },
        })
        .catch((err: unknown) => {
          if (isCancellation(err)) throw err;
          log.warn('cache entry not recorded', { node: node.id, error: String(err) });
        });
    }
  } catch (err) {
    if (succeeded) return; // only the cache record was interrupted
    if (isCancellation(err)) {
      scheduler.cancelled(node.id);
      return;
    }
    const attempts =
      failureAttempt(err) ??
      (scheduler.row(node.id).attempts || (stage.retry?.maximumAttempts ?? 1));
    scheduler.failed(node.id, failureMessage(err), attempts);
  }
}

/**
 * The stage's activity with its own options (queue, timeouts, retry policy, node overrides),
 * under the activity id `stage/<node>` so progress and history map back to nodes.
 */
function stageActivity(stage: StageInfo, node: ResolvedNode, ctx: NodeRun): StageActivity {
  const base = stageActivityOptions(stage, ctx.queues, node.options);
  const options: ActivityOptions = {
    ...base,
    activityId: `stage/${node.id}`,
    // The UI's one-line label of the activity; the worker of each attempt is in its heartbeat
    // details and failures (`worker`), and in the started event's identity.
    summary: `${ctx.run.runName} / ${node.id} (${stage.name}) on ${base.taskQueue}`,
  };
  return proxyActivities<Record<string, StageActivity>>(options)[stage.name] as StageActivity;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      return cause.type ? `${cause.type}: ${cause.message}` : cause.message;
    }
    if (cause instanceof TimeoutFailure) return `timed out (${cause.timeoutType})`;
    return cause?.message ?? err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

function failureAttempt(err: unknown): number | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    const details = err.cause.details?.[0] as StageFailureDetails | undefined;
    if (typeof details?.attempt === 'number') return details.attempt;
  }
  return undefined;
}
