// What each bench mode runs. Quick mode checks that every part works in a few minutes (numbers
// are indicative); full mode is what docs/benchmarks.md reports.
export type BenchMode = 'quick' | 'full';

export interface BenchSettings {
  mode: BenchMode;
  /** Timed repetitions per method (interleaved: one of each method per round). */
  repetitions: number;
  /** Training steps per repetition (the median step of each repetition is its figure). */
  stepsPerRepetition: { demo: number; llmLike: number };
  quality: {
    /** Continual-pretraining updates at the equal token budget (8 x 128 tokens each). */
    steps: number;
    peakLr: number;
    /** Layer alignment: full fine-tune updates after reintegration. */
    alignSteps: number;
    alignLr: number;
    /** Held-out tokens evaluated per language (whole documents up to this many). */
    evalTokens: number;
  };
  /** The pipeline-vs-direct comparison: ELO on the demo shape; repetitions after one warm-up round. */
  orchestration: { steps: number; checkpointEvery: number; repetitions: number };
  /** Bytes of weights + moments per checkpoint-throughput measurement (a model of this size). */
  checkpointRepetitions: number;
}

export function benchSettings(mode: BenchMode): BenchSettings {
  const full = mode === 'full';
  // Full CP of the demo model takes seconds per step on 2 shared cores: 60 steps x 1024 tokens
  // keep the quality section (13 trained and evaluated models) to about half an hour.
  const steps = full ? 60 : 8;
  return {
    mode,
    repetitions: full ? 5 : 3,
    // Each repetition is the mean of a few steps, so one step slowed by another job on the shared
    // machine does not decide a repetition's figure (steps are ~0.1-0.8 s on the native backend).
    stepsPerRepetition: full ? { demo: 4, llmLike: 4 } : { demo: 1, llmLike: 1 },
    quality: {
      steps,
      peakLr: 1e-3,
      alignSteps: Math.max(2, Math.round(steps / 10)),
      alignLr: 3e-4,
      evalTokens: full ? 8_000 : 2_000,
    },
    // Long enough that per-run costs (thread start, scheduling, copies) weigh as in a real run
    // of a minute or more rather than a toy one; a short warm-up round comes first.
    orchestration: full
      ? { steps: 96, checkpointEvery: 24, repetitions: 2 }
      : { steps: 6, checkpointEvery: 3, repetitions: 1 },
    checkpointRepetitions: 3,
  };
}
