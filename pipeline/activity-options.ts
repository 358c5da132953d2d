import type { ActivityOptions } from '@temporalio/common';
import { ActivityCancellationType } from '@temporalio/common';
import type { NodeOptions } from './dag.js';
import type { StageInfo } from './stage-info.js';
import { TASK_QUEUES, type QueueKind } from './task-queues.js';

/**
 * The Temporal activity options of a stage, from its registration. Long stages (those with a
 * heartbeat timeout) get WAIT_CANCELLATION_COMPLETED so the workflow waits for their cancellation
 * checkpoint before it records them cancelled.
 */
export function stageActivityOptions(
  stage: StageInfo,
  queues: Partial<Record<QueueKind, string>> = {},
  overrides: NodeOptions = {},
): ActivityOptions {
  const retry = {
    ...stage.retry,
    ...(overrides.maximumAttempts ? { maximumAttempts: overrides.maximumAttempts } : {}),
  };
  const heartbeat = overrides.heartbeatTimeout ?? stage.timeouts.heartbeat;
  return {
    taskQueue: queues[stage.queue] ?? TASK_QUEUES[stage.queue],
    startToCloseTimeout: overrides.startToCloseTimeout ?? stage.timeouts.startToClose,
    ...(heartbeat ? { heartbeatTimeout: heartbeat } : {}),
    retry: {
      ...(retry.maximumAttempts !== undefined ? { maximumAttempts: retry.maximumAttempts } : {}),
      ...(retry.initialInterval ? { initialInterval: retry.initialInterval } : {}),
      ...(retry.backoffCoefficient ? { backoffCoefficient: retry.backoffCoefficient } : {}),
      ...(retry.maximumInterval ? { maximumInterval: retry.maximumInterval } : {}),
      nonRetryableErrorTypes: [
        ...(stage.nonRetryable ?? []),
        'InvalidStageInput',
        'InvalidStageOutput',
      ],
    },
    cancellationType: stage.timeouts.heartbeat
      ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
      : ActivityCancellationType.TRY_CANCEL,
  };
}
