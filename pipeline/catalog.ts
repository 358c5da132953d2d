import { StageRegistry } from './stage-registry.js';
import { DEMO_STAGES } from './stages/demo.js';
import { useArtifact } from './stages/use-artifact.js';
import { ELO_STAGES } from './stages/elo.js';

/**
 * Every stage this build knows. The executor workflow validates DAGs against it, so a stage must
 * be listed here (and implemented on some worker) before a DAG can use it.
 */
export const stageCatalog = new StageRegistry([useArtifact, ...DEMO_STAGES, ...ELO_STAGES]);
