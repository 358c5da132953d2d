import { CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import type {
  NodeRecord,
  RunManifest,
  RunPipelineInput,
  RunStatus,
} from '../pipeline/run-state.js';

/** run.json now: the run's identity, config and audit, its status and the node table. */
export function runManifest(
  input: RunPipelineInput,
  run: { runName: string; dagName: string; startedAt: number; status: RunStatus },
  nodes: NodeRecord[],
): RunManifest {
  const info = workflowInfo();
  return {
    format: 'elo-run/1',
    runName: run.runName,
    dagName: run.dagName,
    workflowId: info.workflowId,
    runId: info.runId,
    status: run.status,
    startedAt: run.startedAt,
    updatedAt: Date.now(),
    ...(run.status !== 'running' ? { endedAt: Date.now() } : {}),
    audit: input.audit ?? {},
    config: input.config,
    dag: input.dag,
    nodes,
  };
}

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
