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
  type RunPipelineInput,
  type RunPipelineResult,
  type RunStatus,
} from '../pipeline/run-state.js';
import { RunScheduler } from '../pipeline/scheduler.js';
import { SA } from '../pipeline/search-attributes.js';
import type { StageInfo } from '../pipeline/stage-info.js';
import type { StageRegistry } from '../pipeline/stage-registry.js';
import { TASK_QUEUES } from '../pipeline/task-queues.js';
import { RunManifestWriter, runManifest } from './run-manifest-writer.js';
import { runNode, type NodeRun } from './run-node.js';

/** The executor workflow's signature (the workflow type is its export name, `runPipeline`). */
export type PipelineWorkflow = (input: RunPipelineInput) => Promise<RunPipelineResult>;

/**
 * Runs a DAG of registered stages: every node whose inputs are ready starts (up to maxParallel at
 * once), output refs flow to dependents, a failed node skips its dependents while the rest
 * finishes, and the run then fails with a summary. Cancelling the workflow cancels running stages
 * (long ones checkpoint first) and marks what never ran as cancelled. The decisions are the
 * scheduler's (pipeline/scheduler.ts); this function runs what it asks for.
 *
 * Made over the stages it may run, as plain data: this build's catalog (workflows/index.ts), or
 * that plus a stage pack's (workers/stage-pack.ts writes such an entry point).
 */
export function pipelineWorkflow(stages: StageRegistry<StageInfo>): PipelineWorkflow {
  return (input) => runPipeline(input, stages);
}

async function runPipeline(
  input: RunPipelineInput,
  stages: StageRegistry<StageInfo>,
): Promise<RunPipelineResult> {
  const info = workflowInfo();
  const runName = input.runName ?? info.workflowId;
  const queues = { ...TASK_QUEUES, ...input.taskQueues };
  // A scheduled run's name is its workflow id (the schedule's id plus a timestamp).
  if (info.typedSearchAttributes.get(SA.runName) !== runName) {
    upsertSearchAttributes([{ key: SA.runName, value: runName }]);
  }
  const dag = resolveOrFail(input.dag, stages);
  const scheduler = new RunScheduler(dag, stages, Math.max(1, input.maxParallel ?? 4), Date.now);
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
    () => runManifest(input, { runName, dagName: dag.name, startedAt, status }, view().nodes),
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
        void runNode(node, stages.require(node.stage), nodeRun).finally(() => {
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
  if (outcome.failed.length > 0) throw runFailed(dag.name, runName, outcome);
  return { runName, status, nodes: view().nodes };
}

/** The run's failure: every failed node with its attempts and error, and what was skipped. */
function runFailed(
  dagName: string,
  runName: string,
  { failed, skipped }: ReturnType<RunScheduler['outcome']>,
): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `pipeline ${dagName} (run ${runName}) failed: ` +
      failed
        .map((r) => `node ${r.id} (${r.stage}) failed after ${r.attempts} attempt(s): ${r.error}`)
        .join('; ') +
      (skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''),
    'PipelineFailed',
    { failed: failed.map((r) => r.id), skipped },
  );
}

/** The DAG resolved against the stages' plain data; a bad one fails the run, not retried. */
function resolveOrFail(spec: unknown, stages: StageRegistry<StageInfo>): ValidDag {
  try {
    return resolveDag(spec, stages);
  } catch (err) {
    if (err instanceof DagValidationError) {
      throw ApplicationFailure.nonRetryable(err.message, 'DagValidationError', err.problems);
    }
    throw err;
  }
}
