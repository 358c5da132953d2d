/** Base of the store's typed errors; `nonRetryable` ones must not be retried by Temporal. */
export class StoreError extends Error {
  readonly nonRetryable: boolean = false;
}

/** A committed artifact's file does not match its manifest (or is missing). */
export class CorruptArtifactError extends StoreError {
  override readonly nonRetryable = true;
  constructor(
    readonly uri: string,
    readonly file: string,
    detail: string,
  ) {
    super(`artifact ${uri}: file ${file} ${detail}`);
    this.name = 'CorruptArtifactError';
  }

  /** A file whose bytes differ from what the manifest recorded. */
  static mismatch(
    uri: string,
    want: { path: string; sha256: string; bytes: number },
    got: { sha256: string; bytes: number },
  ): CorruptArtifactError {
    return new CorruptArtifactError(
      uri,
      want.path,
      `does not match its manifest (sha256 ${got.sha256.slice(0, 12)}…, ${got.bytes} bytes; ` +
        `expected ${want.sha256.slice(0, 12)}…, ${want.bytes} bytes)`,
    );
  }
}

/** Asked for an artifact that has no committed manifest. */
export class ArtifactNotFoundError extends StoreError {
  override readonly nonRetryable = true;
  constructor(readonly uri: string) {
    super(`artifact ${uri} does not exist (no committed MANIFEST.json)`);
    this.name = 'ArtifactNotFoundError';
  }
}

/** Committing different content under a key that is already committed: artifacts are immutable. */
export class ArtifactExistsError extends StoreError {
  override readonly nonRetryable = true;
  constructor(readonly uri: string) {
    super(`artifact ${uri} is already committed with different content; artifacts are immutable`);
    this.name = 'ArtifactExistsError';
  }
}

/** The store cannot be reached or refused us: says where, and what to check. */
export class StoreUnreachableError extends StoreError {
  /** Refused credentials will not pass by retrying, nor will an outage a retrying store outlived. */
  override readonly nonRetryable: boolean;
  constructor(
    readonly where: string,
    readonly reason: string,
    readonly hint: string,
    /** A network failure that may pass (true), or refused credentials that will not (false). */
    readonly transient = false,
  ) {
    super(`cannot reach the artifact store at ${where}: ${reason}. ${hint}`);
    this.name = 'StoreUnreachableError';
    this.nonRetryable = !transient;
  }

  /** The same failure after retries that lasted `ms`: no longer worth another attempt. */
  outlasted(ms: number): StoreUnreachableError {
    const s = Math.round(ms / 1000);
    return new StoreUnreachableError(
      this.where,
      `${this.reason} (still after ${s} s of retries)`,
      this.hint,
    );
  }
}

/** The store's disk is full: nothing half-written is trusted, and a retry can go on once freed. */
export class StoreFullError extends StoreError {
  constructor(
    readonly where: string,
    key: string,
    options?: ErrorOptions,
  ) {
    super(
      `the artifact store at ${where} is out of space (ENOSPC) while writing ${key}: ` +
        'nothing of it was committed; free space there and the stage resumes from its last checkpoint',
      options,
    );
    this.name = 'StoreFullError';
  }
}

/** A store URI or key that makes no sense. */
export class StoreConfigError extends StoreError {
  override readonly nonRetryable = true;
  constructor(message: string) {
    super(message);
    this.name = 'StoreConfigError';
  }
}

/** A plain s3:// folder (not an artifact) that holds no objects. */
export class EmptyFolderError extends StoreError {
  override readonly nonRetryable = true;
  constructor(readonly uri: string) {
    super(`${uri} holds no files (neither a committed artifact nor a folder of uploaded files)`);
    this.name = 'EmptyFolderError';
  }
}
