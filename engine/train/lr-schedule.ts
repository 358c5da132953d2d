// Learning rate as a pure function of the step: linear warmup, then cosine decay to minLr.

export interface LrSchedule {
  peakLr: number;
  minLr: number; // floor of the cosine, reached at totalSteps
  warmupSteps: number; // linear ramp 0 -> peakLr over these many updates
  totalSteps: number;
}

/** LR for update number `step` (0-based). */
export function getLr(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.peakLr * (step + 1)) / s.warmupSteps;
  if (step >= s.totalSteps) return s.minLr;
  const progress = (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps);
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (s.peakLr - s.minLr);
}
