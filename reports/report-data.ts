import { z } from 'zod';

/** One held-out evaluation: a model on one language's text. */
export const EvaluationSchema = z.object({
  /** base, elo, elo+align, full-cp, freeze-tune, … */
  model: z.string().min(1),
  lang: z.string().min(1),
  /** Which held-out set: validation split of the training mix, or a named eval corpus. */
  set: z.string().min(1),
  tokens: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  // null: NaN written as JSON (a model whose loss is NaN); tables print it as NaN.
  meanNll: z.number().nullable(),
  perplexity: z.number().nullable(),
  bitsPerByte: z.number().nullable(),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

/** One training stage's run: its cost and its loss curve. */
export const TrainingRunSchema = z.object({
  stage: z.string().min(1),
  /** elo, full, freeze-tune, align */
  method: z.string().min(1),
  layers: z.array(z.number().int()).optional(),
  tokens: z.number().nonnegative(),
  wallMs: z.number().nonnegative(),
  tokensPerSec: z.number().nonnegative(),
  trainableParams: z.number().int().nonnegative(),
  computedParams: z.number().int().nonnegative(),
  peakTensorBytes: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
  curve: z.array(
    z.object({ step: z.number().int(), tokens: z.number(), loss: z.number().nullable() }),
  ),
});
export type TrainingRun = z.infer<typeof TrainingRunSchema>;

export const SampleSchema = z.object({
  model: z.string(),
  lang: z.string(),
  prompt: z.string(),
  completion: z.string(),
});
export type Sample = z.infer<typeof SampleSchema>;

/** A row of the audit timeline: what happened to one node of the DAG. */
export const TimelineEntrySchema = z.object({
  node: z.string(),
  stage: z.string(),
  state: z.string(),
  attempts: z.number().int().nonnegative(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  note: z.string().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

/** Everything a run report shows; assembled by the report stage from the run's artifacts. */
export const ReportDataSchema = z.object({
  run: z.object({
    name: z.string(),
    pipeline: z.string(),
    baseModel: z.string(),
    targetLanguage: z.string(),
    startedAt: z.string().optional(),
    /** When the report was written: the run's last node, so every other stage had ended. */
    reportedAt: z.string().optional(),
    codeVersion: z.string().optional(),
  }),
  evaluations: z.array(EvaluationSchema),
  training: z.array(TrainingRunSchema),
  samples: z.array(SampleSchema).default([]),
  timeline: z.array(TimelineEntrySchema).default([]),
});
export type ReportData = z.infer<typeof ReportDataSchema>;
