// One engine job (training, evaluation) in a worker thread. Tensor work is synchronous: on the
// thread that runs a Temporal worker it would starve heartbeats, cancellation and every other
// activity of that worker. The job's data goes in by structured clone; events, log lines and the
// result or error come back by message; a 'stop' message asks the job to finish early.
import { parentPort, Worker, workerData } from 'node:worker_threads';

/** Messages from the job's thread. */
type FromThread<E, R> =
  | { type: 'event'; event: E }
  | { type: 'log'; line: string }
  | { type: 'done'; result: R }
  | { type: 'error'; name: string; message: string; stack?: string; nonRetryable?: boolean };

export interface ThreadHooks<E> {
  onEvent?: (event: E) => void;
  onLog?: (line: string) => void;
  /** Aborting posts 'stop'; a job that then fails rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Runs the thread at `entry` (a module calling serveThreadJob) on `data`. */
export function runThreadJob<R, E = never>(
  entry: URL,
  data: unknown,
  what: string,
  hooks: ThreadHooks<E> = {},
): Promise<R> {
  const worker = new Worker(entry, { workerData: data });
  return new Promise((resolve, reject) => {
    const onAbort = () => worker.postMessage({ type: 'stop' });
    if (hooks.signal?.aborted) onAbort();
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      void worker.terminate(); // tfjs/WASM may hold the worker's event loop open
      f();
    };
    const fail = (err: Error) =>
      finish(() => reject(hooks.signal?.aborted ? (hooks.signal.reason as unknown) : err));
    worker.on('message', (m: FromThread<E, R>) => {
      if (m.type === 'event') hooks.onEvent?.(m.event);
      else if (m.type === 'log') hooks.onLog?.(m.line);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else {
        // Name and nonRetryable travel: stage failures are typed by them (stage-activity.ts).
        const err = new Error(m.message) as Error & { nonRetryable?: boolean };
        err.name = m.name;
        if (m.stack) err.stack = m.stack;
        if (m.nonRetryable) err.nonRetryable = true;
        fail(err);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) =>
      fail(new Error(`${what} worker thread exited with code ${code} before finishing`)),
    );
  });
}

export interface ThreadJobIo<E> {
  post(event: E): void;
  log(line: string): void;
  /** Aborted when the caller asked the job to stop. */
  signal: AbortSignal;
}

/** The thread side: runs `run` on the thread's data and posts its result or error. */
export function serveThreadJob<D, R, E = never>(
  run: (data: D, io: ThreadJobIo<E>) => Promise<R>,
): void {
  const port = parentPort!;
  const stop = new AbortController();
  port.on('message', (m: { type: string }) => {
    if (m.type === 'stop') stop.abort(new Error('stopped by the caller'));
  });
  const io: ThreadJobIo<E> = {
    post: (event) => port.postMessage({ type: 'event', event }),
    log: (line) => port.postMessage({ type: 'log', line }),
    signal: stop.signal,
  };
  run(workerData as D, io).then(
    (result) => {
      port.postMessage({ type: 'done', result });
      port.close();
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const nonRetryable = (e as { nonRetryable?: unknown }).nonRetryable === true;
      port.postMessage({
        type: 'error',
        name: e.name,
        message: e.message,
        stack: e.stack,
        nonRetryable,
      });
      port.close();
    },
  );
}
