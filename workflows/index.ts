// The workflow bundle's entry point: every workflow a worker can run.
import { stageInfoCatalog } from '../pipeline/stage-info-catalog.js';
import { pipelineWorkflow } from './run-pipeline.js';

/** The executor over this build's stages. */
export const runPipeline = pipelineWorkflow(stageInfoCatalog);
