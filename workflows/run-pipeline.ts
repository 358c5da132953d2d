import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
// Only import the activity types: workflow code is bundled and replayed without Node APIs.
import type { PipelineActivities } from '../activities/pipeline/index.js';
import { stageActivityOptions } from '../pipeline/activity-options.js';
import { stageCatalog } from '../pipeline/catalog.js';
import { DagValidationError, validateDag, type ResolvedNode } from '../pipeline/dag.js';
import {
  TERMINAL_STATES,
  type NodeRecord,
  type RunManifest,
  type RunPipelineInput,
  type RunPipelineResult,
  type RunStatus,
} from '../pipeline/run-state.js';
import type {
  StageActivityInput,
  StageActivityResult,
  StageFailureDetails,
} from '../pipeline/stage-call.js';
import type { StageDef } from '../pipeline/stage.js';
import { SA } from '../pipeline/search-attributes.js';
import { TASK_QUEUES } from '../pipeline/task-queues.js';

export interface NodesView {
  runName: string;
  dagName: string;
  status: RunStatus;
  nodes: NodeRecord[];
}

/** The node table: state, attempts, times, output refs and metrics of every node. */
export const nodesQuery = defineQuery<NodesView>('nodes');

type StageActivity = (input: StageActivityInput) => Promise<StageActivityResult>;

/**
 * Runs a DAG of registered stages: every node whose inputs are ready starts (up to maxParallel at
 * once), output refs flow to dependents, a failed node skips its dependents while the rest
 * finishes, and the run then fails with a summary. Cancelling the workflow cancels running stages
 * (long ones checkpoint first) and marks what never ran as cancelled.
 */
export async function runPipeline(input: RunPipelineInput): Promise<RunPipelineResult> {
  const info = workflowInfo();
  const runName = input.runName ?? info.workflowId;
  const queues = { ...TASK_QUEUES, ...input.taskQueues };
  const maxParallel = Math.max(1, input.maxParallel ?? 4);
  const useCache = input.useCache ?? true;
  // A scheduled run's name is its workflow id (the schedule's id plus a timestamp).
  if (info.typedSearchAttributes.get(SA.runName) !== runName) {
    upsertSearchAttributes([{ key: SA.runName, value: runName }]);
  }

  let dag;
  try {
    dag = validateDag(input.dag, stageCatalog);
  } catch (err) {
    if (err instanceof DagValidationError) {
      throw ApplicationFailure.nonRetryable(err.message, 'DagValidationError', err.problems);
    }
    throw err;
  }

  const bookOptions: ActivityOptions = {
    taskQueue: queues.cpu,
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5, initialInterval: '500ms' },
  };
  const book = proxyActivities<PipelineActivities>(bookOptions);
  // Each stage runs with its own options (queue, timeouts, retry policy, node overrides), under
  // the activity id `stage/<node>` so progress and history map back to nodes.
  const stageActivity = (stage: StageDef, node: ResolvedNode): StageActivity => {
    const base = stageActivityOptions(stage, queues, node.options);
    const options: ActivityOptions = {
      ...base,
      activityId: `stage/${node.id}`,
      // The UI's one-line label of the activity; the worker of each attempt is in its heartbeat
      // details and failures (`worker`), and in the started event's identity.
      summary: `${runName} / ${node.id} (${stage.name}) on ${base.taskQueue}`,
    };
    return proxyActivities<Record<string, StageActivity>>(options)[stage.name] as StageActivity;
  };
  const bookFor = (activityId: string) =>
    proxyActivities<PipelineActivities>({ ...bookOptions, activityId });

  const records = new Map<string, NodeRecord>(
    dag.nodes.map((node) => {
      const stage = stageCatalog.require(node.stage);
      const record: NodeRecord = {
        id: node.id,
        stage: stage.name,
        stageVersion: stage.version,
        queue: stage.queue,
        state: 'pending',
        attempts: 0,
        outputs: {},
        metrics: {},
      };
      return [node.id, record] as const;
    }),
  );
  const record = (id: string) => records.get(id) as NodeRecord;
  let status: RunStatus = 'running';
  const startedAt = Date.now();
  const view = (): NodesView => ({
    runName,
    dagName: dag.name,
    status,
    nodes: dag.nodes.map((n) => record(n.id)),
  });
  setHandler(nodesQuery, view);

  // run.json: written by one activity at a time, always with the newest table.
  let dirty = true;
  let writing: Promise<void> | undefined;
  const manifest = (): RunManifest => ({
    format: 'elo-run/1',
    runName,
    dagName: dag.name,
    workflowId: info.workflowId,
    runId: info.runId,
    status,
    startedAt,
    updatedAt: Date.now(),
    ...(status !== 'running' ? { endedAt: Date.now() } : {}),
    audit: input.audit ?? {},
    config: input.config,
    dag: input.dag,
    nodes: view().nodes,
  });
  const flushManifest = async (): Promise<void> => {
    try {
      while (dirty) {
        dirty = false;
        const current = manifest();
        // Not cancellable: a cancelled run still records how it ended.
        await CancellationScope.nonCancellable(() =>
          book.pipelineWriteRunManifest({ storeUri: input.storeUri, manifest: current }),
        ).catch((err: unknown) => log.warn('run manifest not written', { error: String(err) }));
      }
    } finally {
      writing = undefined;
    }
  };
  const touchManifest = () => {
    dirty = true;
    writing ??= flushManifest();
  };

  let tick = 0;
  const running = new Set<string>();

  const runNode = async (node: ResolvedNode): Promise<void> => {
    const stage = stageCatalog.require(node.stage);
    const rec = record(node.id);
    rec.state = 'running';
    rec.startedAt = Date.now();
    const inputs = Object.fromEntries(
      Object.entries(node.needs).map(([name, from]) => [
        name,
        record(from.node).outputs[from.output],
      ]),
    ) as StageActivityInput['inputs'];
    let succeeded = false;
    try {
      if (stage.cacheable !== false) {
        const found = await bookFor(`cache-lookup/${node.id}`).pipelineCacheLookup({
          storeUri: input.storeUri,
          stage: stage.name,
          version: stage.version,
          params: node.params,
          inputs,
          lookup: useCache,
        });
        rec.cacheKey = found.key;
        if (found.entry) {
          Object.assign(rec, {
            state: 'cached',
            outputs: found.entry.outputs,
            metrics: found.entry.metrics,
            endedAt: Date.now(),
          });
          return;
        }
      }
      const result = await stageActivity(
        stage,
        node,
      )({
        run: {
          runName,
          workflowId: info.workflowId,
          workflowRunId: info.runId,
          dagName: dag.name,
          storeUri: input.storeUri,
        },
        nodeId: node.id,
        params: node.params,
        inputs,
        ...(rec.cacheKey ? { cacheKey: rec.cacheKey } : {}),
      });
      succeeded = true;
      Object.assign(rec, {
        state: 'succeeded',
        outputs: result.outputs,
        metrics: result.metrics,
        attempts: result.attempt,
        endedAt: Date.now(),
      });
      if (rec.cacheKey) {
        await bookFor(`cache-record/${node.id}`)
          .pipelineCacheRecord({
            storeUri: input.storeUri,
            key: rec.cacheKey,
            stage: stage.name,
            version: stage.version,
            outputs: result.outputs,
            metrics: result.metrics,
            producedBy: { runName, nodeId: node.id },
          })
          .catch((err: unknown) => {
            if (isCancellation(err)) throw err;
            log.warn('cache entry not recorded', { node: node.id, error: String(err) });
          });
      }
    } catch (err) {
      if (succeeded) return; // only the cache record was interrupted
      rec.endedAt = Date.now();
      if (isCancellation(err)) {
        rec.state = 'cancelled';
        return;
      }
      rec.state = 'failed';
      rec.error = failureMessage(err);
      rec.attempts = failureAttempt(err) ?? (rec.attempts || (stage.retry?.maximumAttempts ?? 1));
    }
  };

  const settle = () => {
    // dag.nodes is in topological order, so one pass carries skips down whole branches.
    const ready: ResolvedNode[] = [];
    for (const node of dag.nodes) {
      const rec = record(node.id);
      if (rec.state !== 'pending') continue;
      const upstream = Object.values(node.needs).map((n) => record(n.node));
      const broken = upstream.find((u) => ['failed', 'skipped', 'cancelled'].includes(u.state));
      if (broken) {
        rec.state = 'skipped';
        rec.error = `upstream node ${broken.id} ${broken.state}`;
      } else if (upstream.every((u) => u.state === 'succeeded' || u.state === 'cached')) {
        ready.push(node);
      }
    }
    return ready;
  };

  touchManifest();
  try {
    for (;;) {
      for (const node of settle()) {
        if (running.size >= maxParallel) break;
        running.add(node.id);
        void runNode(node).finally(() => {
          running.delete(node.id);
          tick++;
          touchManifest();
        });
      }
      if (running.size === 0) break;
      const seen = tick;
      await condition(() => tick !== seen);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Let running stages finish cancelling (long ones checkpoint), then record the outcome.
    await CancellationScope.nonCancellable(async () => {
      await condition(() => running.size === 0);
      for (const rec of records.values()) {
        if (!TERMINAL_STATES.includes(rec.state)) rec.state = 'cancelled';
      }
      status = 'cancelled';
      touchManifest();
      await writing;
    });
    throw err;
  }

  const failed = [...records.values()].filter((r) => r.state === 'failed');
  status = failed.length > 0 ? 'failed' : 'succeeded';
  touchManifest();
  await writing;
  if (failed.length > 0) {
    const skipped = [...records.values()].filter((r) => r.state === 'skipped').map((r) => r.id);
    throw ApplicationFailure.nonRetryable(
      `pipeline ${dag.name} (run ${runName}) failed: ` +
        failed
          .map((r) => `node ${r.id} (${r.stage}) failed after ${r.attempts} attempt(s): ${r.error}`)
          .join('; ') +
        (skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''),
      'PipelineFailed',
      { failed: failed.map((r) => r.id), skipped },
    );
  }
  return { runName, status, nodes: view().nodes };
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
