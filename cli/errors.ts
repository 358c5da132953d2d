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
import { RunConfigError } from '../pipeline/run-config.js';
import { TemporalConfigError } from '../pipeline/temporal-connection.js';
import { StoreConfigError } from '../storage/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

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
];

export function exitCodeFor(err: unknown): number {
  return BAD_INPUT.some((cls) => err instanceof cls) ? EXIT_BAD_INPUT : EXIT_FAILURE;
}

/** The message as one line (zod and fs messages may span several). */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}
