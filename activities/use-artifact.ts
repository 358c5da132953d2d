import { useArtifact } from '../pipeline/stages/use-artifact.js';
import { implementStage } from './stage-activity.js';

export class ArtifactMissingError extends Error {
  override readonly name = 'ArtifactMissingError';
}

export const refArtifact = implementStage(useArtifact, async (ctx) => {
  const ref = await ctx.store.refOf(ctx.store.keyOf(ctx.params.uri));
  if (!ref) throw new ArtifactMissingError(`no committed artifact at ${ctx.params.uri}`);
  return { outputs: { artifact: ref } };
});
