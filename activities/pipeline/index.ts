import type { ArtifactStore } from '../../storage/artifact-store.js';
import { createCacheActivities } from './cache.js';
import { createRunManifestActivities } from './run-manifest.js';

/** The executor's own bookkeeping activities (cpu queue): cache lookups/records and run.json. */
export const createPipelineActivities = (storeFor: (uri: string) => Promise<ArtifactStore>) => ({
  ...createCacheActivities(storeFor),
  ...createRunManifestActivities(storeFor),
});

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
