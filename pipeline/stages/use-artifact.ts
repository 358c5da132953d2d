import { z } from 'zod';
import { artifacts, defineStage } from '../stage.js';

/** A DAG's entry point for data that already exists: a committed artifact named by URI. */
export const useArtifact = defineStage({
  name: 'use-artifact',
  version: '1',
  queue: 'cpu',
  description: 'Outputs the ref of an already committed artifact (fails if it does not exist).',
  params: z.object({ uri: z.string().min(1) }),
  inputs: artifacts({}),
  outputs: artifacts({ artifact: 'required' }),
  timeouts: { startToClose: '2 minutes' },
  retry: { maximumAttempts: 3, initialInterval: '500ms' },
  nonRetryable: ['ArtifactMissingError', 'StoreConfigError'],
  // Always look again: the artifact at a URI can be deleted or replaced between runs.
  cacheable: false,
});
