import type { Client } from '@temporalio/client';
import { stageCatalog } from '../pipeline/catalog.js';
import { pendingStage, type PendingStage } from './pending-stage.js';
import { nodesQuery, type NodeRecord } from '../pipeline/run-state.js';

export interface NodeProgress extends NodeRecord {
  /** For running stages: the attempt in progress, who runs it and the last heartbeat's details. */
  live?: PendingStage;
}

export interface RunDescription {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  runName: string;
  dagName: string;
  nodes: NodeProgress[];
  /**
   * Set when the node table could not be queried (a query needs a worker of the run's cpu queue,
   * which runs the workflow): nodes then lists only the stages pending on the server.
   */
  tableUnavailable?: string;
}

/** How long the node-table query may wait for a worker to answer. */
export const QUERY_DEADLINE_MS = 10_000;

function queryError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
  return /deadline/i.test(`${message} ${cause}`)
    ? `no worker answered within ${QUERY_DEADLINE_MS / 1000} s`
    : message;
}

/**
 * A run's progress from Temporal alone: the node table (workflow query) joined with the pending
 * activities' attempt and heartbeat details (describe), matched by activity id `stage/<node>`.
 * No store polling. Works on closed runs too (queries replay them), where nothing is pending.
 */
export async function describeRun(client: Client, workflowId: string): Promise<RunDescription> {
  const handle = client.workflow.getHandle(workflowId);
  const [description, queried] = await Promise.all([
    handle.describe(),
    // A query waits for a worker to answer it; with the run's cpu worker gone it would wait for
    // minutes, and the watch with it: give up after a few seconds and show what the server knows.
    client
      .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(nodesQuery))
      .then(
        (view) => ({ view }),
        (err: unknown) => ({ error: queryError(err) }),
      ),
  ]);
  const pending = new Map<string, PendingStage>();
  for (const a of description.raw.pendingActivities ?? []) {
    const p = pendingStage(a);
    if (p) pending.set(p.nodeId, p);
  }
  const base = {
    workflowId,
    runId: description.runId,
    status: description.status.name,
    startTime: description.startTime,
    ...(description.closeTime ? { closeTime: description.closeTime } : {}),
  };
  if ('error' in queried && description.status.name !== 'RUNNING') {
    // A run that ended before its first workflow task (terminated, timed out) has no table to give.
    return { ...base, runName: workflowId, dagName: '?', nodes: [] };
  }
  if ('error' in queried) {
    // No worker answers queries (the cpu worker is down): say so, and show what the server
    // itself knows, the pending stages, rather than fail the whole view.
    const sa = description.searchAttributes as Record<string, unknown[] | undefined>;
    return {
      ...base,
      runName: (sa['EloRunName']?.[0] as string | undefined) ?? workflowId,
      dagName: (sa['EloPipeline']?.[0] as string | undefined) ?? '?',
      nodes: [...pending.values()].map((live) => ({
        id: live.nodeId,
        stage: live.stage,
        stageVersion: '',
        queue: stageCatalog.get(live.stage)?.queue ?? 'cpu',
        state: 'running',
        attempts: live.attempt,
        outputs: {},
        metrics: {},
        live,
      })),
      tableUnavailable: queried.error,
    };
  }
  const { view } = queried;
  const nodes = view.nodes.map((node): NodeProgress => {
    const live = pending.get(node.id);
    return live ? { ...node, live } : node;
  });
  return { ...base, runName: view.runName, dagName: view.dagName, nodes };
}
