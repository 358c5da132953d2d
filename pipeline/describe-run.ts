import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { NodesView } from '../workflows/run-pipeline.js';
import type { NodeRecord } from './run-state.js';
import type { TrainingProgress } from './stage-call.js';

// temporal.api.enums.v1.PendingActivityState, by number.
const PENDING_STATES = [
  'unspecified',
  'scheduled',
  'started',
  'cancel-requested',
  'paused',
  'pause-requested',
];

export interface NodeProgress extends NodeRecord {
  /** For running stages: the attempt in progress and the last heartbeat's details. */
  live?: {
    attempt: number;
    state: string;
    lastHeartbeat?: Date;
    progress?: Partial<TrainingProgress>;
    lastFailure?: string;
  };
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
}

/**
 * A run's progress from Temporal alone: the node table (workflow query) joined with the pending
 * activities' attempt and heartbeat details (describe), matched by activity id `stage/<node>`.
 * No store polling. Works on closed runs too (queries replay them), where nothing is pending.
 */
export async function describeRun(client: Client, workflowId: string): Promise<RunDescription> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const view = await nodeTable(handle, workflowId, description.status.name);
  const pending = new Map(
    (description.raw.pendingActivities ?? []).map((a) => [a.activityId ?? '', a] as const),
  );
  const nodes = view.nodes.map((node): NodeProgress => {
    const activity = pending.get(`stage/${node.id}`);
    if (!activity) return node;
    const payload = activity.heartbeatDetails?.payloads?.[0];
    const progress = payload
      ? defaultPayloadConverter.fromPayload<Partial<TrainingProgress>>(payload)
      : undefined;
    const seconds = activity.lastHeartbeatTime?.seconds;
    return {
      ...node,
      live: {
        attempt: activity.attempt ?? 1,
        state: PENDING_STATES[Number(activity.state ?? 0)] ?? 'unknown',
        ...(seconds != null ? { lastHeartbeat: new Date(Number(seconds) * 1000) } : {}),
        ...(progress ? { progress } : {}),
        ...(activity.lastFailure?.message ? { lastFailure: activity.lastFailure.message } : {}),
      },
    };
  });
  return {
    workflowId,
    runId: description.runId,
    status: description.status.name,
    startTime: description.startTime,
    ...(description.closeTime ? { closeTime: description.closeTime } : {}),
    runName: view.runName,
    dagName: view.dagName,
    nodes,
  };
}

/** No worker answered the node-table query of a running run. */
export class NoWorkerError extends Error {
  override readonly name = 'NoWorkerError';
}

/**
 * The node table by query. A query is answered by a worker replaying the run: a run ended before
 * its first workflow task (terminated, timed out) has none to give, and shows no nodes; a running
 * one with no worker polling gets a sentence saying what to start.
 */
async function nodeTable(
  handle: ReturnType<Client['workflow']['getHandle']>,
  workflowId: string,
  status: string,
): Promise<NodesView> {
  try {
    return await handle.query<NodesView>('nodes');
  } catch (err) {
    if (status === 'RUNNING') {
      throw new NoWorkerError(
        `run ${workflowId} is running, but no worker answered for its node table ` +
          `(${(err as Error).message}): start one with \`elo worker\` against this server ` +
          '(and the same ELO_CPU_QUEUE), then ask again',
        { cause: err },
      );
    }
    return { runName: workflowId, dagName: '?', status: 'failed', nodes: [] };
  }
}
