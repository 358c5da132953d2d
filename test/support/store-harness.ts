import type { ArtifactStore } from '../../storage/artifact-store.js';

/** A store under test plus raw access that bypasses it, to plant garbage and corruption. */
export interface StoreHarness {
  store: ArtifactStore;
  /** The store's URI, for child processes that open their own. */
  uri: string;
  rawPut(key: string, rel: string, data: Buffer): Promise<void>;
  /** Every file or object physically under `key`, relative to it. */
  rawList(key: string): Promise<string[]>;
  cleanup(): Promise<void>;
}
