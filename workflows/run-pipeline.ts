import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
// Only import the activity types: workflow code is bundled and replayed without Node APIs.
import type { PipelineActivities } from '../activities/pipeline/index.js';
import { DagValidationError, resolveDag, type ValidDag } from '../pipeline/dag.js';
import {
  nodesQuery,
  type NodesView,
  type RunManifest,
  type RunPipelineInput,
  type RunPipelineResult,
  type RunStatus,
} from '../pipeline/run-state.js';
import { RunScheduler } from '../pipeline/scheduler.js';
import { SA } from '../pipeline/search-attributes.js';
import { stageInfoCatalog } from '../pipeline/stage-info-catalog.js';
import { TASK_QUEUES } from '../pipeline/task-queues.js';
import { RunManifestWriter } from './run-manifest-writer.js';
import { runNode, type NodeRun } from './run-node.js';

/**
 * Runs a DAG of registered stages: every node whose inputs are ready starts (up to maxParallel at
 * once), output refs flow to dependents, a failed node skips its dependents while the rest
 * finishes, and the run then fails with a summary. Cancelling the workflow cancels running stages
 * (long ones checkpoint first) and marks what never ran as cancelled. The decisions are the
 * scheduler's (pipeline/scheduler.ts); this function runs what it asks for.
 */
export async function runPipeline(input: RunPipelineInput): Promise<RunPipelineResult> {
  const info = workflowInfo();
  const runName = input.runName ?? info.workflowId;
  const queues = { ...TASK_QUEUES, ...input.taskQueues };
  // A scheduled run's name is its workflow id (the schedule's id plus a timestamp).
  if (info.typedSearchAttributes.get(SA.runName) !== runName) {
    upsertSearchAttributes([{ key: SA.runName, value: runName }]);
  }
  const dag = resolveOrFail(input.dag);
  const scheduler = new RunScheduler(
    dag,
    stageInfoCatalog,
    Math.max(1, input.maxParallel ?? 4),
    Date.now,
  );
  let status: RunStatus = 'running';
  const view = (): NodesView => ({
    runName,
    dagName: dag.name,
    status,
    nodes: scheduler.nodes(),
  });
  setHandler(nodesQuery, view);

  const pipelineOptions: ActivityOptions = {
    taskQueue: queues.cpu,
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5, initialInterval: '500ms' },
  };
  const pipelineActivities = proxyActivities<PipelineActivities>(pipelineOptions);
  const startedAt = Date.now();
  const manifest = new RunManifestWriter(
    (): RunManifest => ({
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
    }),
    (current) =>
      pipelineActivities.pipelineWriteRunManifest({ storeUri: input.storeUri, manifest: current }),
  );
  const nodeRun: NodeRun = {
    scheduler,
    run: {
      runName,
      workflowId: info.workflowId,
      workflowRunId: info.runId,
      dagName: dag.name,
      storeUri: input.storeUri,
    },
    queues,
    useCache: input.useCache ?? true,
    pipelineOptions,
  };

  manifest.touch();
  try {
    let finishedNodes = 0;
    for (;;) {
      for (const node of scheduler.startNext()) {
        void runNode(node, stageInfoCatalog.require(node.stage), nodeRun).finally(() => {
          scheduler.finished(node.id);
          finishedNodes++;
          manifest.touch();
        });
      }
      if (scheduler.idle) break;
      const seen = finishedNodes;
      await condition(() => finishedNodes !== seen);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Let running stages finish cancelling (long ones checkpoint), then record the outcome.
    await CancellationScope.nonCancellable(async () => {
      await condition(() => scheduler.idle);
      scheduler.cancelUnfinished();
      status = 'cancelled';
      manifest.touch();
      await manifest.settled();
    });
    throw err;
  }

  const outcome = scheduler.outcome();
  status = outcome.status;
  manifest.touch();
  await manifest.settled();
  if (outcome.failed.length > 0) {
    const { failed, skipped } = outcome;
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

/** The DAG resolved against the stages' plain data; a bad one fails the run, not retried. */
function resolveOrFail(spec: unknown): ValidDag {
  try {
    return resolveDag(spec, stageInfoCatalog);
  } catch (err) {
    if (err instanceof DagValidationError) {
      throw ApplicationFailure.nonRetryable(err.message, 'DagValidationError', err.problems);
    }
    throw err;
  }
}
