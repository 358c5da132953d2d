import type { StageDef } from '../pipeline/stage.js';
import type { StageImplementation } from './stage-activity.js';

/**
 * A stage pack: stages this build does not ship, added to a deployment without forking it (the
 * test suite's toy stages are one, test/fixtures/toy-stages/). Its module, a built ES module named
 * by ELO_STAGE_PACK in the environment of the CLI and of every worker, exports these two names.
 * Pack stages join the catalog beside the built-in ones (a name may not repeat), DAGs use them
 * like any other, and workers bundle an executor that knows them (workers/stage-pack.ts).
 */
export interface StagePack {
  /** The definitions: the CLI validates DAGs with them, the executor workflow schedules them. */
  stages: readonly StageDef[];
  /** What workers run, each on its stage's queue. */
  implementations: readonly StageImplementation[];
}
