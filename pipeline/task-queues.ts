/** Task queues, one place: GPU workers take training stages, CPU workers the rest. */
export const TASK_QUEUES = {
  cpu: 'elo-cpu',
  gpu: 'elo-gpu',
} as const;

export type QueueKind = keyof typeof TASK_QUEUES;
