import { activityInfo } from '@temporalio/activity';
import { producerOf } from '../../storage/manifest.js';
import { z } from 'zod';
import { cacheEntryKey, cacheKey } from './cache-key.js';
import { stageCatalog } from '../../pipeline/catalog.js';
import { ArtifactRefSchema, type ArtifactRef } from '../../storage/artifact-ref.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { parseOrFail } from '../stage-activity.js';
import { sourceDigests } from './source-digests.js';

export interface CacheLookupInput {
  storeUri: string;
  stage: string;
  version: string;
  params: unknown;
  inputs: Record<string, ArtifactRef>;
  /** false: only compute the key (the run asked not to reuse results). */
  lookup: boolean;
}

export const CacheEntrySchema = z.object({
  format: z.literal('elo-cache-entry/1'),
  key: z.string(),
  stage: z.string(),
  version: z.string(),
  outputs: z.record(z.string(), ArtifactRefSchema),
  // null: a NaN metric after its trip through JSON (StageMetrics).
  metrics: z.record(z.string(), z.number().nullable()).default({}),
  producedBy: z.object({ runName: z.string(), nodeId: z.string() }),
});
export type CacheEntry = z.infer<typeof CacheEntrySchema>;

export interface CacheLookupResult {
  key: string;
  /** Present on a hit: the entry's outputs all still exist with the recorded digests. */
  entry?: CacheEntry;
  /** Why a stored entry was not usable (an output deleted or rewritten). */
  miss?: string;
}

export type CacheRecordInput = { storeUri: string } & Omit<CacheEntry, 'format'>;

const ENTRY_FILE = 'entry.json';

export const createCacheActivities = (storeFor: (uri: string) => Promise<ArtifactStore>) => ({
  /**
   * Computes a node's cache key (over the contents of the files its params name, too) and returns
   * the committed entry at `cache/<key>` if usable.
   */
  async pipelineCacheLookup(input: CacheLookupInput): Promise<CacheLookupResult> {
    // The workflow passes params as the DAG wrote them (its bundle carries no zod): the key is
    // over the params the stage's schema parsed, defaults filled in, as the stage will run them.
    const stage = stageCatalog.require(input.stage);
    const parsed = stage.params.safeParse(input.params);
    const params = parsed.success
      ? parsed.data
      : parseOrFail(stage.params, input.params, `${stage.name}: params`, {
          stage: stage.name,
          attempt: activityInfo().attempt,
        });
    const sources = stage.sourcesOf ? await sourceDigests(stage.sourcesOf(params)) : {};
    const key = cacheKey({ ...input, params, sources });
    if (!input.lookup) return { key };
    const store = await storeFor(input.storeUri);
    if (!(await store.readManifest(cacheEntryKey(key)))) return { key };
    const entry = CacheEntrySchema.parse(
      JSON.parse((await store.readFile(cacheEntryKey(key), ENTRY_FILE)).toString('utf8')),
    );
    for (const [name, ref] of Object.entries(entry.outputs)) {
      const now = await store.refOf(store.keyOf(ref.uri));
      if (!now || now.sha256 !== ref.sha256) {
        return { key, miss: `output ${name} (${ref.uri}) is gone or was rewritten` };
      }
    }
    return { key, entry };
  },

  /** Commits `cache/<key>` pointing at a node's outputs, so later runs can reuse them. */
  async pipelineCacheRecord(input: CacheRecordInput): Promise<void> {
    const { storeUri, ...rest } = input;
    const entry: CacheEntry = { format: 'elo-cache-entry/1', ...rest };
    const store = await storeFor(storeUri);
    // Artifacts are immutable: an entry replaced (stale outputs, or a run without the cache) goes first.
    if (await store.readManifest(cacheEntryKey(input.key)))
      await store.delete(cacheEntryKey(input.key));
    await store.commitFiles(
      cacheEntryKey(input.key),
      [{ path: ENTRY_FILE, data: JSON.stringify(entry, null, 2) }],
      {
        producer: producerOf({ name: input.stage, version: input.version }),
        meta: { cacheKey: input.key },
      },
    );
  },
});
