// How the `elo` command reports errors: one sentence on stderr; exit 2 when the input is wrong
// (arguments, files that fail validation), 1 when something failed while doing the work.
import { HfConfigError } from '../formats/hf-config.js';
import { ModelFolderError } from '../formats/hf-model-folder.js';
import { SafetensorsError } from '../formats/safetensors-error.js';
import { SurgeryError } from '../formats/surgery.js';
import { TokenShardError } from '../formats/token-shard.js';
import { TokenizerError } from '../formats/tokenizer.js';
import {
  LayerIndexError,
  ShapeMismatchError,
  TokenIdError,
  UnsupportedConfigError,
} from '../engine/errors.js';
import { DagValidationError } from '../pipeline/dag.js';
import { RunConfigError } from '../client/run-config.js';
import { TemporalConfigError } from '../client/temporal-connection.js';
import { StagePackError } from '../client/stage-pack.js';
import { StoreConfigError } from '../storage/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/**
 * Exit codes of the commands that follow a run to its end (`run --watch`, `watch`, `demo`): 0 only
 * when it completed; scripts can tell the other endings apart (docs/elo-pipeline.md).
 */
export const RUN_EXIT_CODES: Readonly<Record<string, number>> = {
  FAILED: 3,
  CANCELLED: 4,
  TERMINATED: 5,
  TIMED_OUT: 6,
};

/** A followed run ended otherwise than completed; its status picks the exit code. */
export class RunNotCompletedError extends Error {
  override readonly name = 'RunNotCompletedError';
  readonly exitCode: number;
  constructor(runName: string, status: string) {
    super(`run ${runName} ended ${status.toLowerCase().replace('_', ' ')}`);
    this.exitCode = RUN_EXIT_CODES[status] ?? EXIT_FAILURE;
  }
}

/** Throws RunNotCompletedError unless the run completed. */
export function throwUnlessCompleted(run: { runName: string; status: string }): void {
  if (run.status !== 'COMPLETED') throw new RunNotCompletedError(run.runName, run.status);
}

/** Bad command-line input detected by a command itself. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const BAD_INPUT = [
  UsageError,
  HfConfigError,
  ModelFolderError,
  SafetensorsError,
  SurgeryError,
  TokenShardError,
  TokenizerError,
  UnsupportedConfigError,
  LayerIndexError,
  ShapeMismatchError,
  TokenIdError,
  StoreConfigError,
  DagValidationError,
  RunConfigError,
  TemporalConfigError,
  StagePackError,
];

export function exitCodeFor(err: unknown): number {
  if (err instanceof RunNotCompletedError) return err.exitCode;
  return BAD_INPUT.some((cls) => err instanceof cls) ? EXIT_BAD_INPUT : EXIT_FAILURE;
}

/** The message as one line (zod and fs messages may span several). */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}
