import os from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { runPipeline } from '../workflows/index.js';
import { sha256Json } from '../formats/sha256.js';
import { stageCatalog } from '../pipeline/catalog.js';
import { codeVersion } from './code-version.js';
import type { DagSpec } from '../pipeline/dag.js';
import { validateDag } from '../pipeline/dag-schema.js';
import type { RunPipelineInput } from '../pipeline/run-state.js';
import { SA } from '../pipeline/search-attributes.js';
import type { StageRegistry } from '../pipeline/stage-registry.js';
import { TASK_QUEUES, type QueueKind } from '../pipeline/task-queues.js';

/** What starting a pipeline run needs; the workflow id is the run name. */
export interface RunRequest {
  runName: string;
  dag: DagSpec;
  storeUri: string;
  /** The user's config as loaded (recorded in memo, run.json and hashed for EloConfigHash). */
  config?: unknown;
  targetLanguage?: string;
  baseModel?: string;
  /** Who starts it (default: the OS user); schedules set `schedule` instead. */
  startedBy?: string;
  schedule?: string;
  taskQueues?: Partial<Record<QueueKind, string>>;
  maxParallel?: number;
  useCache?: boolean;
}

/**
 * Workflow start options of a run: id, queue, the executor's input, search attributes (run name,
 * pipeline, target language, base model, config hash — no secrets: they are stored unencrypted)
 * and memo (config, code version, who or which schedule started it). Shared by `startRun` and
 * schedules, so a scheduled run is audited exactly like a manual one.
 */
export function pipelineStartOptions(req: RunRequest) {
  return startOptionsFor(req, req.runName);
}

/** Start options with `runName` unset in the input when scheduled: the workflow id decides it. */
export function startOptionsFor(req: Omit<RunRequest, 'runName'>, runName: string) {
  const audit = {
    codeVersion: codeVersion(),
    ...(req.schedule ? { schedule: req.schedule } : { startedBy: req.startedBy ?? whoami() }),
  };
  const input: RunPipelineInput = {
    dag: req.dag,
    storeUri: req.storeUri,
    ...(req.schedule ? {} : { runName }),
    audit,
    ...(req.config !== undefined ? { config: req.config } : {}),
    ...(req.taskQueues ? { taskQueues: req.taskQueues } : {}),
    ...(req.maxParallel ? { maxParallel: req.maxParallel } : {}),
    ...(req.useCache !== undefined ? { useCache: req.useCache } : {}),
  };
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: SA.runName, value: runName },
    { key: SA.pipeline, value: req.dag.name },
    { key: SA.configHash, value: sha256Json(req.config ?? req.dag) },
    ...(req.targetLanguage ? [{ key: SA.targetLanguage, value: req.targetLanguage }] : []),
    ...(req.baseModel ? [{ key: SA.baseModel, value: req.baseModel }] : []),
  ];
  return {
    workflowId: runName,
    taskQueue: req.taskQueues?.cpu ?? TASK_QUEUES.cpu,
    args: [input] as [RunPipelineInput],
    typedSearchAttributes,
    memo: { ...audit, ...(req.config !== undefined ? { config: req.config } : {}) },
  };
}

/** Validates the DAG (nothing starts if it is invalid) and starts the run. */
export async function startRun(
  client: Client,
  req: RunRequest,
  registry: StageRegistry = stageCatalog,
): Promise<WorkflowHandle<typeof runPipeline>> {
  validateDag(req.dag, registry);
  return client.workflow.start<typeof runPipeline>('runPipeline', pipelineStartOptions(req));
}

function whoami(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return `unknown@${os.hostname()}`;
  }
}
