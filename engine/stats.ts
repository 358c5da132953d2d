// Per-run statistics from the trainer's per-step reports.
import type { StepInfo } from './train/trainer.js';

export interface RunStats {
  steps: number;
  tokens: number;
  /** Over the summed step time (excludes checkpoint writes and idle time). */
  tokensPerSec: number;
  meanStepMs: number;
  meanForwardMs: number;
  meanBackwardMs: number;
  meanOptimizerMs: number;
  /** Model FLOPs (flops.ts) per second of step time. */
  achievedFlopsPerSec: number;
  peakTensorBytes: number;
  peakRssBytes: number;
  finalLoss: number | null;
}

export function summarizeRun(steps: readonly StepInfo[]): RunStats {
  const sum = (f: (s: StepInfo) => number) => steps.reduce((acc, s) => acc + f(s), 0);
  const n = steps.length;
  const stepMs = sum((s) => s.timings.stepMs);
  const tokens = sum((s) => s.tokensPerSec * (s.timings.stepMs / 1000));
  const flops = sum((s) => s.flopsPerSec * (s.timings.stepMs / 1000));
  return {
    steps: n,
    tokens: Math.round(tokens),
    tokensPerSec: stepMs > 0 ? tokens / (stepMs / 1000) : 0,
    meanStepMs: n ? stepMs / n : 0,
    meanForwardMs: n ? sum((s) => s.timings.forwardMs) / n : 0,
    meanBackwardMs: n ? sum((s) => s.timings.backwardMs) / n : 0,
    meanOptimizerMs: n ? sum((s) => s.timings.optimizerMs) / n : 0,
    achievedFlopsPerSec: stepMs > 0 ? flops / (stepMs / 1000) : 0,
    peakTensorBytes: Math.max(0, ...steps.map((s) => s.peakTensorBytes)),
    peakRssBytes: Math.max(0, ...steps.map((s) => s.rssBytes)),
    finalLoss: n ? steps[n - 1]!.loss : null,
  };
}
