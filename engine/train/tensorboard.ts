// TensorBoard scalars of a training run (loss, lr, grad norm, tokens/s) through tfjs-node's
// summaryFileWriter: event files in a local folder, so `tensorboard --logdir <folder>` shows the
// curves. Only the native backends have the writer (it runs TensorFlow's own summary ops); on
// WASM or cpu there is none and the run's curve.json / metrics are the record.
import { activeBackend } from '../backend.js';
import type { StepInfo } from './trainer.js';

/** The part of tfjs-node's SummaryFileWriter used here (no typings without the package). */
interface SummaryFileWriter {
  scalar(name: string, value: number, step: number): void;
  flush(): void;
}

interface TfjsNode {
  node: {
    summaryFileWriter(logdir: string, maxQueue?: number, flushMillis?: number): SummaryFileWriter;
  };
}

export interface StepSummaries {
  write(info: StepInfo): void;
  close(): void;
}

/** A writer into `logdir`, or null when the active backend has none (WASM, cpu). */
export async function openStepSummaries(logdir: string): Promise<StepSummaries | null> {
  const b = activeBackend();
  if (!b || b.tfName !== 'tensorflow') return null;
  const pkg = b.name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const tfn = (await import(pkg)) as TfjsNode;
  const writer = tfn.node.summaryFileWriter(logdir);
  return {
    write(info) {
      writer.scalar('train/loss', info.loss, info.step);
      writer.scalar('train/lr', info.lr, info.step);
      writer.scalar('train/grad_norm', info.gradNorm, info.step);
      writer.scalar('train/tokens_per_sec', info.tokensPerSec, info.step);
    },
    close: () => writer.flush(),
  };
}
