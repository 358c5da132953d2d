import type { ResolvedNode, ValidDag } from './dag.js';
import { TERMINAL_STATES, type NodeRecord, type NodeState, type RunStatus } from './run-state.js';
import type { StageMetrics } from './stage-call.js';
import type { StageInfo } from './stage-info.js';
import type { StageRegistry } from './stage-registry.js';
import type { ArtifactRef } from '../storage/artifact-ref.js';

const BROKEN: readonly NodeState[] = ['failed', 'skipped', 'cancelled'];
const DONE: readonly NodeState[] = ['succeeded', 'cached'];

/**
 * The executor's decisions, free of Temporal: which nodes may start (inputs ready, a free slot
 * of `maxParallel`), which are skipped (an upstream node failed, was skipped or cancelled), and
 * the node table that records every outcome. The workflow (workflows/run-pipeline.ts) runs the
 * activities it asks for and reports back; `now` is the workflow's clock.
 */
export class RunScheduler {
  private readonly nodeTable: Map<string, NodeRecord>;
  private readonly running = new Set<string>();

  constructor(
    private readonly dag: ValidDag,
    stages: StageRegistry<StageInfo>,
    private readonly maxParallel: number,
    private readonly now: () => number,
  ) {
    this.nodeTable = new Map(
      dag.nodes.map((node) => {
        const stage = stages.require(node.stage);
        const row: NodeRecord = {
          id: node.id,
          stage: stage.name,
          stageVersion: stage.version,
          queue: stage.queue,
          state: 'pending',
          attempts: 0,
          outputs: {},
          metrics: {},
        };
        return [node.id, row] as const;
      }),
    );
  }

  /** The node table in the DAG's (topological) order: what the nodes query returns. */
  nodes(): NodeRecord[] {
    return this.dag.nodes.map((n) => this.row(n.id));
  }

  row(id: string): NodeRecord {
    return this.nodeTable.get(id) as NodeRecord;
  }

  /** No node running: with nothing left to start, the run is over. */
  get idle(): boolean {
    return this.running.size === 0;
  }

  /**
   * Marks pending nodes below a broken one skipped, then takes the ready nodes that fit in the
   * free slots (in DAG order) and marks them running. Call again whenever a node finishes.
   */
  startNext(): ResolvedNode[] {
    const started: ResolvedNode[] = [];
    for (const node of this.settle()) {
      if (this.running.size >= this.maxParallel) break;
      this.running.add(node.id);
      const row = this.row(node.id);
      row.state = 'running';
      row.startedAt = this.now();
      started.push(node);
    }
    return started;
  }

  /** The artifact refs a node's inputs are wired to (its upstream nodes' outputs). */
  inputsOf(node: ResolvedNode): Record<string, ArtifactRef> {
    return Object.fromEntries(
      Object.entries(node.needs).map(([name, from]) => [
        name,
        this.row(from.node).outputs[from.output] as ArtifactRef,
      ]),
    );
  }

  /** The node's cache key, once the lookup computed it (recorded even when nothing was found). */
  keyed(id: string, cacheKey: string) {
    this.row(id).cacheKey = cacheKey;
  }

  cached(id: string, found: { outputs: Record<string, ArtifactRef>; metrics: StageMetrics }) {
    Object.assign(this.row(id), {
      state: 'cached',
      outputs: found.outputs,
      metrics: found.metrics,
      endedAt: this.now(),
    });
  }

  succeeded(
    id: string,
    result: { outputs: Record<string, ArtifactRef>; metrics: StageMetrics; attempt: number },
  ) {
    Object.assign(this.row(id), {
      state: 'succeeded',
      outputs: result.outputs,
      metrics: result.metrics,
      attempts: result.attempt,
      endedAt: this.now(),
    });
  }

  failed(id: string, error: string, attempts: number) {
    Object.assign(this.row(id), { state: 'failed', error, attempts, endedAt: this.now() });
  }

  cancelled(id: string) {
    Object.assign(this.row(id), { state: 'cancelled', endedAt: this.now() });
  }

  /** A node's activities are over (whatever its state): its slot is free. */
  finished(id: string) {
    this.running.delete(id);
  }

  /** The run was cancelled: every node not in a final state is recorded cancelled. */
  cancelUnfinished() {
    for (const row of this.nodeTable.values()) {
      if (!TERMINAL_STATES.includes(row.state)) row.state = 'cancelled';
    }
  }

  /** The run's outcome once nothing runs: failed if any node failed. */
  outcome(): { status: RunStatus; failed: NodeRecord[]; skipped: string[] } {
    const rows = [...this.nodeTable.values()];
    const failed = rows.filter((r) => r.state === 'failed');
    const skipped = rows.filter((r) => r.state === 'skipped').map((r) => r.id);
    return { status: failed.length > 0 ? 'failed' : 'succeeded', failed, skipped };
  }

  private settle(): ResolvedNode[] {
    // dag.nodes is in topological order, so one pass carries skips down whole branches.
    const ready: ResolvedNode[] = [];
    for (const node of this.dag.nodes) {
      const row = this.row(node.id);
      if (row.state !== 'pending') continue;
      const upstream = Object.values(node.needs).map((n) => this.row(n.node));
      const broken = upstream.find((u) => BROKEN.includes(u.state));
      if (broken) {
        row.state = 'skipped';
        row.error = `upstream node ${broken.id} ${broken.state}`;
      } else if (upstream.every((u) => DONE.includes(u.state))) {
        ready.push(node);
      }
    }
    return ready;
  }
}
