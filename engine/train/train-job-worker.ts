// Worker-thread entry of runTrainJobInWorker: runs the job, posts steps, checkpoints and the
// result; a 'stop' message makes the trainer checkpoint and return after the current step.
import { parentPort, workerData } from 'node:worker_threads';
import { parseFailpoints, trigger } from './failpoints.js';
import { runTrainJob, type TrainJob } from './train-job.js';

let stop = false;
parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'stop') stop = true;
});
const shouldStop = () => stop;

async function main() {
  const failpoints = parseFailpoints(process.env['ELO_FAILPOINTS']);
  return runTrainJob(workerData as TrainJob, {
    onStep: async (info) => {
      parentPort!.postMessage({ type: 'step', info });
      await trigger(failpoints, 'train.step', info.step, shouldStop);
    },
    onCheckpoint: async (key, step) => {
      parentPort!.postMessage({ type: 'checkpoint', key, step });
      await trigger(failpoints, 'train.checkpoint', step, shouldStop);
    },
    onLog: (line) => parentPort!.postMessage({ type: 'log', line }),
    shouldStop,
  });
}

main().then(
  (result) => {
    parentPort!.postMessage({ type: 'done', result });
    parentPort!.close();
  },
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort!.postMessage({ type: 'error', name: e.name, message: e.message, stack: e.stack });
    parentPort!.close();
  },
);
