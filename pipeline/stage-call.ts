import type { ArtifactRef } from '../storage/artifact-ref.js';

/** What the executor passes a stage's activity: refs and small params only, never data. */
export interface StageActivityInput {
  run: {
    runName: string;
    workflowId: string;
    workflowRunId: string;
    dagName: string;
    /** Store root URI the stage reads inputs from and writes outputs to. */
    storeUri: string;
  };
  nodeId: string;
  params: unknown;
  inputs: Record<string, ArtifactRef>;
  cacheKey?: string;
}

/**
 * A stage's scalar metrics as they arrive through Temporal (JSON): a NaN (a diverged loss, a
 * model that evaluates to NaN) arrives as null, so readers must handle null, and print it as NaN.
 */
export type StageMetrics = Record<string, number | null>;

export interface StageActivityResult {
  outputs: Record<string, ArtifactRef>;
  metrics: StageMetrics;
  /** Which attempt produced the result (1 = first try). */
  attempt: number;
}

/** Attached as details[0] to failures the stage wrapper raises, so the workflow can count attempts. */
export interface StageFailureDetails {
  stage: string;
  attempt: number;
  /** The worker identity (`pid@host`) the attempt failed on. */
  worker?: string;
}

/** Live progress of long stages, sent as heartbeat details: a few hundred bytes, never tensors. */
export interface TrainingProgress {
  step: number;
  tokens: number;
  loss: number;
  tokensPerSec: number;
  lastCheckpoint?: { uri: string; step: number };
  /** Steps the stage runs in all, when known (progress bars, ETA). */
  totalSteps?: number;
}

/**
 * What a stage's heartbeat carries: its progress (training stages) plus the identity of the
 * worker running the attempt, so the Temporal UI's pending-activity and timeout details name the
 * machine of every attempt.
 */
export type StageHeartbeat = Partial<TrainingProgress> & {
  worker?: string;
  /** The worker's memory budget and what its admitted stages hold, where it has a budget. */
  workerMemory?: WorkerMemory;
};

export interface WorkerMemory {
  budgetBytes: number;
  inUseBytes: number;
}
