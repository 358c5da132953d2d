import { runManifestKey, type RunManifest } from '../../pipeline/run-state.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';

export interface WriteRunManifestInput {
  storeUri: string;
  manifest: RunManifest;
}

export const createRunManifestActivities = (storeFor: (uri: string) => Promise<ArtifactStore>) => ({
  /** Replaces `runs/<run>/run.json`; the workflow serialises calls, so the newest state wins. */
  async pipelineWriteRunManifest(input: WriteRunManifestInput): Promise<void> {
    const store = await storeFor(input.storeUri);
    await store.writeDocument(
      runManifestKey(input.manifest.runName),
      JSON.stringify(input.manifest, null, 2) + '\n',
    );
  },
});
