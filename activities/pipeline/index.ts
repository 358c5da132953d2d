import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import type { StageFailureDetails } from '../../pipeline/stage-call.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { createCacheActivities } from './cache.js';
import { createRunManifestActivities } from './run-manifest.js';

/**
 * Errors that know a retry cannot help (a store refusing this worker's credentials) reach Temporal
 * as non-retryable failures, as stage errors do (stage-activity.ts): a node fails at once, saying
 * why, instead of after every attempt of its cache lookup.
 */
function failingOnce<A extends Record<string, (input: never) => Promise<unknown>>>(acts: A): A {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(acts)) {
    out[name] = async (input: never) => {
      try {
        return await fn(input);
      } catch (err) {
        // Already a Temporal failure (a params check names its own type): passed on as it is.
        if (err instanceof ApplicationFailure) throw err;
        if (err instanceof Error && (err as { nonRetryable?: unknown }).nonRetryable === true) {
          // The attempt, as stage failures carry it: the node table says how many were made.
          const details: StageFailureDetails = { stage: name, attempt: activityInfo().attempt };
          throw ApplicationFailure.create({
            message: err.message,
            type: err.name,
            nonRetryable: true,
            details: [details],
            cause: err,
          });
        }
        throw err;
      }
    };
  }
  return out as A;
}

/** The executor's own bookkeeping activities (cpu queue): cache lookups/records and run.json. */
export const createPipelineActivities = (storeFor: (uri: string) => Promise<ArtifactStore>) =>
  failingOnce({
    ...createCacheActivities(storeFor),
    ...createRunManifestActivities(storeFor),
  });

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
