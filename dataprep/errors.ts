// Typed errors of data preparation: each names what to fix (a field, a source, a language).

/** Bad parameters or unreadable sources. `field` is the params path (e.g. `sources.ko.path`). */
export class DataPrepError extends Error {
  override readonly name: string = 'DataPrepError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
  }
}

/**
 * The sources cannot supply the requested mix or budget. Thrown after counting tokens and before
 * anything is written, so a run fails here rather than in the middle of training.
 */
export class NotEnoughDataError extends DataPrepError {
  override readonly name = 'NotEnoughDataError';
  constructor(
    readonly lang: string,
    readonly split: string,
    readonly availableTokens: number,
    readonly neededTokens: number,
    why: string,
  ) {
    super(
      `not enough ${split} data for language "${lang}": ${availableTokens} tokens available, ` +
        `${neededTokens} needed (${why})`,
    );
  }
}
