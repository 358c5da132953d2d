import { defineQuery } from '@temporalio/workflow';
import type { ArtifactRef } from '../storage/artifact-ref.js';
import type { DagSpec } from './dag.js';
import type { StageMetrics } from './stage-call.js';
import type { QueueKind } from './task-queues.js';

export type NodeState =
  'pending' | 'running' | 'succeeded' | 'failed' | 'cached' | 'skipped' | 'cancelled';

export const TERMINAL_STATES: readonly NodeState[] = [
  'succeeded',
  'failed',
  'cached',
  'skipped',
  'cancelled',
];

/** One row of the node table: what the `nodesQuery` returns and run.json records. */
export interface NodeRecord {
  id: string;
  stage: string;
  stageVersion: string;
  queue: QueueKind;
  state: NodeState;
  /** Attempts the last activity execution took (0 when it never ran: cached, skipped). */
  attempts: number;
  /** Epoch ms (workflow time). */
  startedAt?: number;
  endedAt?: number;
  cacheKey?: string;
  outputs: Record<string, ArtifactRef>;
  metrics: StageMetrics;
  error?: string;
}

/** What the nodes query returns: the run's node table and status. */
export interface NodesView {
  runName: string;
  dagName: string;
  status: RunStatus;
  nodes: NodeRecord[];
}

/** The node table: state, attempts, times, output refs and metrics of every node. */
export const nodesQuery = defineQuery<NodesView>('nodes');

/** Who or what started a run, and with which code: kept in memo and run.json. */
export interface RunAudit {
  codeVersion?: string;
  startedBy?: string;
  schedule?: string;
}

export interface RunPipelineInput {
  dag: DagSpec;
  /** Store root URI for outputs, cache entries and run.json (`file:///…`, `s3://…`). */
  storeUri: string;
  /** Run name (defaults to the workflow id): outputs go under `runs/<runName>/`. */
  runName?: string;
  /** Most nodes running at once (default 4). */
  maxParallel?: number;
  /** Task queue names for cpu and gpu stages (default TASK_QUEUES). */
  taskQueues?: Partial<Record<QueueKind, string>>;
  /** false: run every node even where a cached result exists (default true). */
  useCache?: boolean;
  /** The user's config, recorded as is in run.json (not interpreted by the executor). */
  config?: unknown;
  audit?: RunAudit;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunPipelineResult {
  runName: string;
  status: RunStatus;
  nodes: NodeRecord[];
}

/** `runs/<run>/run.json`: written by an activity whenever a node finishes. */
export interface RunManifest {
  format: 'elo-run/1';
  runName: string;
  dagName: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  startedAt: number;
  updatedAt: number;
  endedAt?: number;
  audit: RunAudit;
  config?: unknown;
  dag: DagSpec;
  nodes: NodeRecord[];
}

export function runManifestKey(runName: string): string {
  return `runs/${runName}/run.json`;
}
