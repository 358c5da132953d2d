// What a stage says it will hold, and the worker's side of admitting it. The stage side lives
// here (activities estimate); the worker holds the budget (workers/memory-budget.ts).
import { formatBytes, type MemoryEstimate } from '../engine/memory-model.js';

/** A stage's estimate with the words a refusal needs. */
export interface StageMemoryNeed {
  estimate: MemoryEstimate;
  /** "full-cp of this 3.2B model" */
  what: string;
  /** What to do when it can never fit: "use ELO or a bigger worker". */
  advice: string;
}

export interface MemoryRequest extends StageMemoryNeed {
  run: string;
  nodeId: string;
  stage: string;
}

export interface MemoryGate {
  readonly budgetBytes: number;
  /**
   * Resolves once the request fits beside the stages already admitted (waiting meanwhile, until
   * `signal` aborts); the function it returns releases the bytes. A request that could never fit
   * this budget throws StageMemoryError at once.
   */
  admit(request: MemoryRequest, signal: AbortSignal): Promise<() => void>;
}

/** The stage needs more memory than the worker will ever have: retrying cannot help. */
export class StageMemoryError extends Error {
  override readonly name = 'StageMemoryError';
  readonly nonRetryable = true;

  constructor(
    readonly need: StageMemoryNeed,
    readonly budgetBytes: number,
  ) {
    super(
      `${need.what} needs ~${formatBytes(need.estimate.total)} (${need.estimate.dominant}); ` +
        `this worker has ${formatBytes(budgetBytes)}: ${need.advice}`,
    );
  }
}
