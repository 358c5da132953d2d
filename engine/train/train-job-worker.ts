// Worker-thread entry of runTrainJobInWorker: runs the job, posts steps, checkpoints and the
// result; a 'stop' message makes the trainer checkpoint and return after the current step.
import { serveThreadJob } from '../thread-job.js';
import { parseFailpoints, trigger } from './failpoints.js';
import { runTrainJob, type TrainJob, type TrainJobEvent } from './train-job.js';

serveThreadJob<TrainJob, Awaited<ReturnType<typeof runTrainJob>>, TrainJobEvent>((job, io) => {
  const failpoints = parseFailpoints(process.env['ELO_FAILPOINTS']);
  const shouldStop = () => io.signal.aborted;
  return runTrainJob(job, {
    onStep: async (info) => {
      io.post({ kind: 'step', info });
      await trigger(failpoints, 'train.step', info.step, shouldStop);
    },
    onCheckpoint: async (key, step) => {
      io.post({ kind: 'checkpoint', key, step });
      await trigger(failpoints, 'train.checkpoint', step, shouldStop);
    },
    onLog: io.log,
    shouldStop,
  });
});
