// A stage activity's input as the executor workflow sends it, for tests that call an activity
// directly (MockActivityEnvironment) instead of through a workflow.
import type { StageActivityInput } from '../../pipeline/stage-call.js';
import type { ArtifactRef } from '../../storage/artifact-ref.js';

export function stageInput(
  storeUri: string,
  nodeId: string,
  params: unknown,
  inputs: Record<string, ArtifactRef> = {},
): StageActivityInput {
  return {
    run: {
      runName: 'unit',
      workflowId: 'unit',
      workflowRunId: '0123456789abcdef',
      dagName: 'unit',
      storeUri,
    },
    nodeId,
    params,
    inputs,
  };
}
