import type { StageActivityInput, StageActivityResult } from '../pipeline/stage-call.js';
import type { StageDeps, StageImplementation } from './stage-activity.js';

/** The activities object a worker registers: one activity per stage, named after it. */
export function createStageActivities(
  deps: StageDeps,
  implementations: readonly StageImplementation[],
): Record<string, (input: StageActivityInput) => Promise<StageActivityResult>> {
  const activities: Record<string, (input: StageActivityInput) => Promise<StageActivityResult>> =
    {};
  for (const impl of implementations) {
    if (activities[impl.stage.name]) throw new Error(`stage ${impl.stage.name} implemented twice`);
    activities[impl.stage.name] = (input) => impl.run(input, deps);
  }
  return activities;
}
