import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSpec,
  type ScheduleSummary,
} from '@temporalio/client';
import type { runPipeline } from '../workflows/index.js';
import { stageCatalog } from '../pipeline/catalog.js';
import { validateDag } from '../pipeline/dag-schema.js';
import { startOptionsFor, type RunRequest } from './run-client.js';

export type OverlapPolicy = 'skip' | 'buffer-one' | 'buffer-all' | 'cancel-other' | 'allow-all';

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};

export interface PipelineScheduleOptions {
  /** Also the prefix of every run's workflow id (Temporal appends the scheduled time). */
  scheduleId: string;
  /** The stored run config: DAG, store, labels. Each scheduled run gets its own run name. */
  run: Omit<RunRequest, 'runName' | 'schedule' | 'startedBy'>;
  /** When: `{ intervals: [{ every: '1 day' }] }`, `{ cronExpressions: ['0 3 * * *'] }`, calendars. */
  spec: ScheduleSpec;
  /** What to do when a run is still going at the next time: skip it (default). */
  overlap?: OverlapPolicy;
  /** How late a missed time (server down) may still start: default 10 minutes. */
  catchupWindow?: string;
  /** Pause the schedule after a failed run, so failures do not pile up (default true). */
  pauseOnFailure?: boolean;
  paused?: boolean;
  note?: string;
}

/**
 * Creates a Temporal Schedule that starts the executor workflow with the stored config. Policies
 * are always set explicitly (the server's defaults differ between versions). The DAG is validated
 * first: a schedule that could only ever fail is refused.
 */
export async function createPipelineSchedule(client: Client, options: PipelineScheduleOptions) {
  validateDag(options.run.dag, stageCatalog);
  const start = startOptionsFor(
    { ...options.run, schedule: options.scheduleId },
    options.scheduleId,
  );
  return client.schedule.create<typeof runPipeline>({
    scheduleId: options.scheduleId,
    spec: options.spec,
    action: {
      type: 'startWorkflow',
      workflowType: 'runPipeline',
      workflowId: options.scheduleId,
      taskQueue: start.taskQueue,
      args: start.args,
      memo: start.memo,
      typedSearchAttributes: start.typedSearchAttributes,
    },
    policies: {
      overlap: OVERLAP[options.overlap ?? 'skip'],
      catchupWindow: options.catchupWindow ?? '10 minutes',
      pauseOnFailure: options.pauseOnFailure ?? true,
    },
    // Schedule memo: what it runs, for `list` (the state note may be rewritten by the server).
    memo: { pipeline: options.run.dag.name, storeUri: options.run.storeUri },
    state: {
      paused: options.paused ?? false,
      ...(options.note ? { note: options.note } : {}),
    },
  });
}

/** Schedules that start the pipeline executor (other schedules on the namespace are left out). */
export async function listPipelineSchedules(client: Client): Promise<ScheduleSummary[]> {
  const out: ScheduleSummary[] = [];
  for await (const summary of client.schedule.list()) {
    if (summary.action?.type === 'startWorkflow' && summary.action.workflowType === 'runPipeline') {
      out.push(summary);
    }
  }
  return out;
}

export function describePipelineSchedule(client: Client, id: string): Promise<ScheduleDescription> {
  return client.schedule.getHandle(id).describe();
}

export function pausePipelineSchedule(client: Client, id: string, note = 'paused'): Promise<void> {
  return client.schedule.getHandle(id).pause(note);
}

export function unpausePipelineSchedule(client: Client, id: string, note = 'unpaused') {
  return client.schedule.getHandle(id).unpause(note);
}

/** Starts a run now, outside the calendar (the overlap policy still applies). */
export function triggerPipelineSchedule(client: Client, id: string, overlap?: OverlapPolicy) {
  return client.schedule.getHandle(id).trigger(overlap ? OVERLAP[overlap] : undefined);
}

/** Deletes the schedule; runs it started go on. Deleting one that does not exist is an error. */
export function deletePipelineSchedule(client: Client, id: string): Promise<void> {
  return client.schedule.getHandle(id).delete();
}

export { ScheduleNotFoundError };
