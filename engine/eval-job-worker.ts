// Worker-thread entry of runEvalJobInWorker: runs the job, posts progress and the result; a
// 'stop' message aborts it at the next set, layer or prompt.
import { type EvalJob, type EvalJobEvent, type EvalJobResult, runEvalJob } from './eval-job.js';
import { serveThreadJob } from './thread-job.js';
import { blockAt, parseFailpoints } from './train/failpoints.js';

serveThreadJob<EvalJob, EvalJobResult, EvalJobEvent>((job, io) => {
  const failpoints = parseFailpoints(process.env['ELO_FAILPOINTS']);
  return runEvalJob(job, {
    onProgress: (done, total) => {
      io.post({ done, total });
      blockAt(failpoints, 'eval.progress', done);
    },
    signal: io.signal,
  });
});
