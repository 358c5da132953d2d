import { StageRegistry } from './stage-registry.js';
import { useArtifact } from './stages/use-artifact.js';
import { ELO_STAGES } from './stages/elo.js';

/**
 * Every stage this build ships. The executor workflow validates DAGs against it, so a stage must
 * be listed here (and implemented on some worker) before a DAG can use it; a stage pack's stages
 * (ELO_STAGE_PACK, activities/stage-pack.ts) join it when the CLI or a worker starts.
 */
export const stageCatalog = new StageRegistry([useArtifact, ...ELO_STAGES]);
