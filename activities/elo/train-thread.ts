// Worker-thread entry of the train stage: runs the training job and reports by message, so the
// activity's thread (which also runs workflow tasks and heartbeats) is never blocked by a step.
import { parentPort, workerData } from 'node:worker_threads';
import { runTrainJob, type TrainJob } from './train-job.js';

/** Messages the thread sends; the activity side (train.ts) reads them. */
export type TrainThreadMessage =
  | { type: 'progress'; progress: Parameters<Parameters<typeof runTrainJob>[1]['progress']>[0] }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'done'; result: Awaited<ReturnType<typeof runTrainJob>> }
  | { type: 'error'; name: string; message: string; stack?: string };

const port = parentPort!;
let stop = false;
// Delivered between steps: the trainer yields to the event loop after each one.
port.on('message', (m: { type: 'stop' }) => {
  if (m.type === 'stop') stop = true;
});
const send = (m: TrainThreadMessage) => port.postMessage(m);

runTrainJob(workerData as TrainJob, {
  progress: (progress) => send({ type: 'progress', progress }),
  shouldStop: () => stop,
  log: (level, message) => send({ type: 'log', level, message }),
}).then(
  (result) => send({ type: 'done', result }),
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    send({
      type: 'error',
      name: e.name,
      message: e.message,
      ...(e.stack ? { stack: e.stack } : {}),
    });
  },
);
