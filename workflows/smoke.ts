import { proxyActivities, workflowInfo } from '@temporalio/workflow';
// Only import the activity types: workflow code is bundled and replayed without Node APIs.
import type { SmokeActivities, SmokeArtifact } from '../activities/smoke.js';

const { writeMessage, verifyMessage } = proxyActivities<SmokeActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export interface SmokeInput {
  message: string;
}

export interface SmokeResult {
  workflowId: string;
  artifact: SmokeArtifact;
  verified: boolean;
}

/** Write a message through one activity, verify it through another. */
export async function smokePipeline(input: SmokeInput): Promise<SmokeResult> {
  const { workflowId } = workflowInfo();
  const artifact = await writeMessage({ runId: workflowId, text: input.message });
  const check = await verifyMessage(artifact);
  return { workflowId, artifact, verified: check.matches };
}
