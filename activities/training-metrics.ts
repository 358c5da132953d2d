import { Context } from '@temporalio/activity';
import type { TrainingProgress } from '../pipeline/stage-call.js';

/**
 * The engine's training metrics, recorded through the Temporal SDK's metric meter: they leave the
 * worker on the same Prometheus endpoint as the SDK's own (workers/worker-metrics.ts installs it)
 * and are dropped at no cost when no exporter is configured. Labelled by run and DAG node, so two
 * runs on one pool stay apart.
 */
export function trainingMetrics(labels: { run: string; node: string }) {
  const meter = Context.current().metricMeter.withTags(labels);
  const step = meter.createGauge('elo_train_step', 'int', 'steps', 'last completed training step');
  const loss = meter.createGauge('elo_train_loss', 'float', '', 'training loss of the last step');
  const rate = meter.createGauge(
    'elo_train_tokens_per_second',
    'float',
    'tokens/s',
    'training throughput of the stage so far',
  );
  const tokens = meter.createGauge('elo_train_tokens', 'int', 'tokens', 'tokens trained so far');
  const checkpoint = meter.createHistogram(
    'elo_checkpoint_seconds',
    'float',
    's',
    'time to write one training checkpoint (files, then its manifest)',
  );
  let lastStepAt: number | undefined;
  return {
    progress(p: TrainingProgress): void {
      step.set(p.step);
      tokens.set(p.tokens);
      if (Number.isFinite(p.loss)) loss.set(p.loss);
      if (Number.isFinite(p.tokensPerSec)) rate.set(p.tokensPerSec);
    },
    /** The engine's trainer reports a step, writes its checkpoint, then reports that: time it. */
    stepReported(): void {
      lastStepAt = performance.now();
    },
    checkpointReported(): void {
      if (lastStepAt !== undefined) checkpoint.record((performance.now() - lastStepAt) / 1000);
      lastStepAt = undefined;
    },
  };
}
export type TrainingMetrics = ReturnType<typeof trainingMetrics>;
