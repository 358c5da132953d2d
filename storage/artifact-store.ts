import type { ArtifactRef, Manifest } from './artifact-ref.js';

export interface CommitOptions {
  /** Who wrote it: stage name and version, or a command. */
  producer: string;
  meta?: Record<string, unknown>;
}

/**
 * Where artifacts live: `file:///abs/path` (default `./runs`) or `s3://bucket/prefix`.
 * An artifact is a folder of files under a key (`runs/<run>/<node>/model`), committed by writing
 * every file first and MANIFEST.json (sizes, sha256) last; readers trust only artifacts whose
 * manifest exists and whose files match it.
 */
export interface ArtifactStore {
  /** The store's root as a URI, e.g. `file:///work/runs` or `s3://bucket/prefix`. */
  readonly rootUri: string;
  /** URI of the artifact at `key`. */
  uriFor(key: string): string;
  /** Key of an artifact URI inside this store; throws if the URI is elsewhere. */
  keyOf(uri: string): string;

  /** Uploads a local folder (recursively) as artifact `key`, manifest last. */
  commitFolder(key: string, localDir: string, opts: CommitOptions): Promise<ArtifactRef>;
  /** Commits in-memory files (small artifacts: metrics, reports). */
  commitFiles(
    key: string,
    files: ReadonlyArray<{ path: string; data: Uint8Array | string }>,
    opts: CommitOptions,
  ): Promise<ArtifactRef>;

  /** The committed, parseable manifest at `key`, or undefined if there is none. */
  readManifest(key: string): Promise<Manifest | undefined>;
  /** The ref of a committed artifact, or undefined. */
  refOf(key: string): Promise<ArtifactRef | undefined>;
  /** Downloads a committed artifact into `localDir`, verifying every file's sha256. */
  fetchFolder(key: string, localDir: string): Promise<Manifest>;
  /** One file of a committed artifact, verified against the manifest. */
  readFile(key: string, relPath: string): Promise<Buffer>;
  /** Keys of committed artifacts under `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** Removes an artifact (manifest first, so it stops existing before its files go). */
  delete(key: string): Promise<void>;
  /**
   * Deletes what crashed writers left under `prefix` — files of artifacts that never got their
   * manifest, stray temp files, open multipart uploads — if older than `olderThanMs` (default one
   * hour, so writers still at work are spared). Returns what it removed.
   */
  cleanUncommitted(prefix: string, opts?: { olderThanMs?: number }): Promise<string[]>;

  /** Mutable documents (the run manifest): whole-object replace, last writer wins. */
  writeDocument(key: string, data: Uint8Array | string): Promise<void>;
  readDocument(key: string): Promise<Buffer | undefined>;
}
