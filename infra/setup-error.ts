/**
 * A failure a newcomer can fix: says what failed and what to do. Scripts print only the message
 * (no stack) and exit non-zero.
 */
export class SetupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(`${message}\n  → ${hint}`);
    this.name = 'SetupError';
  }
}

/** Entry scripts end with this: a SetupError prints as two plain lines, anything else with its stack. */
export function exitOnError(err: unknown): never {
  if (err instanceof SetupError) console.error(`error: ${err.message}`);
  else console.error(err);
  process.exit(1);
}
