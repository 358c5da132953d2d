// A worker process's memory budget and the stages it has admitted against it. One per process
// (the cpu and gpu workers of role `all` share it: they share the process's memory). Stages are
// admitted in arrival order while their estimates fit, so two big stages never run side by side
// into the kernel's OOM killer; the fleet view and metrics read `snapshot()`.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { MemoryGate, MemoryRequest } from '../activities/memory-gate.js';
import { StageMemoryError } from '../activities/memory-gate.js';
import { RUNTIME_BYTES } from '../engine/memory-model.js';

export interface AdmittedStage {
  run: string;
  nodeId: string;
  stage: string;
  bytes: number;
  since: string;
}

export interface MemorySnapshot {
  budgetBytes: number;
  /** The process's own runtime plus every admitted stage's estimate beyond it. */
  inUseBytes: number;
  admitted: AdmittedStage[];
  waiting: number;
}

interface Waiter {
  request: MemoryRequest;
  bytes: number;
  wake: (id: number) => void;
}

export class MemoryBudget implements MemoryGate {
  private readonly admitted = new Map<number, AdmittedStage>();
  private readonly waiters: Waiter[] = [];
  private nextId = 0;

  constructor(readonly budgetBytes: number = machineMemoryBytes()) {}

  /** Estimates include a process runtime; the process pays it once, whatever runs in it. */
  private static cost(request: MemoryRequest): number {
    return Math.max(0, request.estimate.total - request.estimate.runtime);
  }

  inUseBytes(): number {
    let sum = RUNTIME_BYTES;
    for (const a of this.admitted.values()) sum += a.bytes;
    return sum;
  }

  snapshot(): MemorySnapshot {
    return {
      budgetBytes: this.budgetBytes,
      inUseBytes: this.inUseBytes(),
      admitted: [...this.admitted.values()].map((a) => ({ ...a })),
      waiting: this.waiters.length,
    };
  }

  async admit(request: MemoryRequest, signal: AbortSignal): Promise<() => void> {
    if (request.estimate.total > this.budgetBytes)
      throw new StageMemoryError(request, this.budgetBytes);
    signal.throwIfAborted();
    const bytes = MemoryBudget.cost(request);
    const id =
      this.waiters.length === 0 && this.fits(bytes)
        ? this.enter(request, bytes)
        : await new Promise<number>((resolve, reject) => {
            const waiter: Waiter = { request, bytes, wake: resolve };
            this.waiters.push(waiter);
            signal.addEventListener(
              'abort',
              () => {
                const i = this.waiters.indexOf(waiter);
                if (i < 0) return; // admitted already: the caller releases it
                this.waiters.splice(i, 1);
                this.wakeWaiters();
                reject(signal.reason as Error);
              },
              { once: true },
            );
          });
    return () => {
      if (this.admitted.delete(id)) this.wakeWaiters();
    };
  }

  private enter(request: MemoryRequest, bytes: number): number {
    const id = this.nextId++;
    this.admitted.set(id, {
      run: request.run,
      nodeId: request.nodeId,
      stage: request.stage,
      bytes,
      since: new Date().toISOString(),
    });
    return id;
  }

  private fits(bytes: number): boolean {
    return this.inUseBytes() + bytes <= this.budgetBytes;
  }

  /** In arrival order: the first waiter that does not fit holds the others back (no starving). */
  private wakeWaiters(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) {
      const next = this.waiters.shift()!;
      next.wake(this.enter(next.request, next.bytes));
    }
  }
}

/** What the machine has: physical memory, or the cgroup's limit when a container sets a lower one. */
export function machineMemoryBytes(): number {
  const total = os.totalmem();
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(limit) && limit > 0 && limit < total) return limit;
    } catch {
      // no such cgroup file: not in a container, or cgroup v1/v2 the other way
    }
  }
  return total;
}
