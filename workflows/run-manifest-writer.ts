import { CancellationScope, log } from '@temporalio/workflow';
import type { RunManifest } from '../pipeline/run-state.js';

/**
 * Keeps run.json current: one write activity at a time, always with the newest node table (a
 * change during a write sets `dirty`, and the writer loops). Writes are not cancellable, so a
 * cancelled run still records how it ended; a failed write is logged, never fatal.
 */
export class RunManifestWriter {
  private dirty = true;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly current: () => RunManifest,
    private readonly write: (manifest: RunManifest) => Promise<void>,
  ) {}

  /** The node table changed: write it (now, or after the write in flight). */
  touch(): void {
    this.dirty = true;
    this.writing ??= this.flush();
  }

  /** Resolves once no write is in flight. */
  async settled(): Promise<void> {
    await this.writing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const manifest = this.current();
        await CancellationScope.nonCancellable(() => this.write(manifest)).catch((err: unknown) =>
          log.warn('run manifest not written', { error: String(err) }),
        );
      }
    } finally {
      this.writing = undefined;
    }
  }
}
