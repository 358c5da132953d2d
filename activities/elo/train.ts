import { Worker } from 'node:worker_threads';
import { log } from '@temporalio/activity';
import { trainStage } from '../../pipeline/stages/elo.js';
import { implementStage } from '../stage-activity.js';
import { producerOf } from './scratch.js';
import type { TrainJob, TrainJobResult } from './train-job.js';
import type { TrainThreadMessage } from './train-thread.js';

export { TRAINING_FILE, TrainInputError } from './train-job.js';

/**
 * train: runs the training job (train-job.ts) in a worker thread. A step is seconds of
 * synchronous tensor work; on this thread it would starve heartbeats, cancellation and the
 * workflow tasks of a worker in the same process. Here the thread reports each step, which
 * becomes the heartbeat {step, tokens, loss, tokensPerSec, lastCheckpoint, totalSteps}; on
 * cancellation it is told to stop, writes a checkpoint and the attempt ends cancelled.
 */
export const trainActivity = implementStage(trainStage, async (ctx) => {
  const job: TrainJob = {
    storeUri: ctx.run.storeUri,
    nodeId: ctx.nodeId,
    producer: producerOf(ctx.stage),
    params: ctx.params,
    inputs: ctx.inputs,
    keys: {
      checkpoints: ctx.artifactKey('checkpoints'),
      curves: ctx.artifactKey('curves'),
      model: ctx.artifactKey('model'),
      metrics: ctx.artifactKey('metrics'),
    },
  };
  const thread = new Worker(new URL('./train-thread.js', import.meta.url), { workerData: job });
  const onAbort = () => thread.postMessage({ type: 'stop' });
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await new Promise<TrainJobResult | 'stopped'>((resolve, reject) => {
      thread.on('message', (m: TrainThreadMessage) => {
        if (m.type === 'progress') ctx.progress(m.progress);
        else if (m.type === 'log') log[m.level](m.message);
        else if (m.type === 'done') resolve(m.result);
        else {
          const err = new Error(m.message);
          err.name = m.name; // the stage's nonRetryable list matches on it
          if (m.stack) err.stack = m.stack;
          reject(err);
        }
      });
      thread.on('error', reject);
      thread.on('exit', (code) => reject(new Error(`training thread exited with code ${code}`)));
    });
    if (result === 'stopped') throw ctx.signal.reason;
    return result;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await thread.terminate();
  }
});
