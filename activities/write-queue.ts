/**
 * Store writes started from a callback that cannot await them (the training thread's checkpoint
 * messages), run one at a time in order. Each write's failure is caught the moment it happens and
 * rethrown by `drain()`: a promise parked in an array until later rejects unhandled in between,
 * and Node ends the whole worker process over it (issue 14: a rejected curve write did exactly
 * that on every retry). The lint rule against `Promise<…>[]` points here.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  /** Queues `write` after the ones before it; it does not run once one has failed. */
  add(write: () => Promise<unknown>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await write();
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  /** Waits for every queued write; throws the first failure. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure.error;
  }
}
