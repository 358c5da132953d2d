import { z } from 'zod';

/**
 * What a stage returns and the next stage reads: a pointer to a committed artifact, small enough
 * for Temporal payloads. `sha256` is the artifact's content digest (its files' digests and meta,
 * not who wrote it when): it changes when any file changes, and cache keys are built from it.
 */
export const ArtifactRefSchema = z.object({
  uri: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  meta: z.record(z.string(), z.unknown()).default({}),
});
export type ArtifactRef = z.infer<typeof ArtifactRefSchema>;

/** One file of an artifact, as its manifest records it. */
export const ManifestFileSchema = z.object({
  path: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** MANIFEST.json: written last; an artifact without a valid one does not exist. */
export const ManifestSchema = z.object({
  format: z.literal('elo-artifact/1'),
  producer: z.string().min(1),
  created: z.string(),
  files: z.array(ManifestFileSchema),
  meta: z.record(z.string(), z.unknown()).default({}),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const MANIFEST_NAME = 'MANIFEST.json';
