import { ELO_CPU_STAGES, ELO_GPU_STAGES } from '../activities/elo/index.js';
import type { StageImplementation } from '../activities/stage-activity.js';
import { refArtifact } from '../activities/use-artifact.js';

/** Every stage implementation this build ships; workers take those of their queue. */
export const STAGE_IMPLEMENTATIONS: readonly StageImplementation[] = [
  refArtifact,
  ...ELO_CPU_STAGES,
  ...ELO_GPU_STAGES,
];
