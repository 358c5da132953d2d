// The training loop: micro-batches -> gradients of the trainable parameters only -> clip ->
// AdamW -> periodic checkpoints; yields to the event loop between steps.
import * as tf from '@tensorflow/tfjs-core';
import { countTargets, type TokenBatch } from '../batch.js';
import { NonFiniteLossError, UnsupportedConfigError } from '../errors.js';
import { trainingStepFlops } from '../flops.js';
import { forgetTraced, runTraced } from '../kernels/step-trace.js';
import { crossEntropySum } from '../loss.js';
import type { LlamaModel } from '../model/llama-model.js';
import { AdamW, type AdamWConfig } from './adamw.js';
import type { Checkpointer, TrainState } from './checkpoint.js';
import type { PackedDataLoader } from './data-loader.js';
import { getLr, type LrSchedule } from './lr-schedule.js';

export interface TrainConfig {
  /** Fixes init (when the caller initialises) and data order. */
  seed: number;
  /** Optimizer updates to run in total (a resumed run continues towards the same number). */
  totalSteps: number;
  /** Micro-batches per update; the loss is the per-token mean over all of them. */
  gradAccumSteps: number;
  schedule: LrSchedule;
  adamw: AdamWConfig;
  /** Global-norm clip; null = no clipping (the norm is still reported). */
  maxGradNorm: number | null;
  /** Checkpoint every K updates (0 = only when stopping or finishing). */
  checkpointEvery: number;
}

export interface StepTimings {
  /** 0 on a traced step (its forward and backward run as one function, in backwardMs). */
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  stepMs: number;
  /** Forward and backward ran as one TensorFlow function (kernels/step-trace.ts). */
  traced: boolean;
}

export interface StepInfo {
  step: number; // updates done, after this one
  tokens: number; // input tokens processed so far
  loss: number; // per-token mean over the step's targets
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  flopsPerSec: number;
  timings: StepTimings;
  peakTensorBytes: number;
  rssBytes: number;
}

export interface TrainHooks {
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Polled between steps; true = checkpoint and return (cancellation). */
  shouldStop?: () => boolean;
  onCheckpoint?: (key: string, step: number) => void | Promise<void>;
}

export interface TrainResult {
  step: number;
  tokens: number;
  stopped: boolean;
  lastCheckpoint: string | null;
  lastLoss: number | null;
}

let trainers = 0;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Weight decay goes to matrices (linear weights, embeddings), not to norms or biases. */
function decayedNames(model: LlamaModel, trainable: readonly string[]): Set<string> {
  const kinds = new Map(model.weights.specs.map((s) => [s.name, s.kind]));
  return new Set(trainable.filter((n) => ['linear', 'embedding'].includes(kinds.get(n) ?? '')));
}

export class Trainer {
  readonly optimizer: AdamW;
  private readonly trainableVars: tf.Variable[];
  private readonly hfNames: Map<string, string>;
  step = 0;
  tokens = 0;
  lastCheckpoint: string | null = null;
  private peakTensorBytes = 0;
  private readonly traceKey = `train-step#${++trainers}`;

  constructor(
    readonly model: LlamaModel,
    readonly loader: PackedDataLoader,
    readonly config: TrainConfig,
    readonly trainable: readonly string[],
    private readonly checkpointer: Checkpointer | null = null,
  ) {
    if (trainable.length === 0) {
      throw new UnsupportedConfigError('trainable', [], 'the selection matches no parameter');
    }
    const params = new Map(trainable.map((n) => [n, model.weights.get(n)] as const));
    // Frozen variables are marked so; only trainable ones are handed to the gradient function.
    for (const [name, v] of model.weights.variables) v.trainable = params.has(name);
    this.trainableVars = [...params.values()];
    this.hfNames = model.weights.hfNamesByVariable();
    this.optimizer = new AdamW(params, config.adamw, decayedNames(model, trainable));
  }

  /** Restores the newest checkpoint whose files verify; false when there is none. */
  async resume(): Promise<boolean> {
    if (!this.checkpointer) return false;
    const state = await this.checkpointer.loadLatest(this.model, this.optimizer);
    if (!state) return false;
    this.step = state.step;
    this.tokens = state.tokens;
    this.loader.setState(state.loader); // before any batch is drawn
    this.lastCheckpoint = state.key;
    return true;
  }

  async saveCheckpoint(): Promise<string | null> {
    if (!this.checkpointer) return null;
    const state: TrainState = {
      step: this.step,
      tokens: this.tokens,
      optimizerSteps: this.optimizer.stepCount,
      lr: getLr(Math.max(0, this.step - 1), this.config.schedule),
      loader: this.loader.getState(),
      trainable: [...this.trainable],
      layers: [...this.model.layerIndices],
      seed: this.config.seed,
    };
    this.lastCheckpoint = await this.checkpointer.save(this.model, this.optimizer, state);
    return this.lastCheckpoint;
  }

  private samplePeak(): void {
    const bytes = tf.memory().numBytes + this.optimizer.untrackedBytes();
    this.peakTensorBytes = Math.max(this.peakTensorBytes, bytes);
  }

  /** One optimizer update over gradAccumSteps micro-batches. */
  trainStep(): {
    loss: number;
    gradNorm: number;
    lr: number;
    timings: StepTimings;
    tokens: number;
  } {
    const t0 = performance.now();
    const batches: TokenBatch[] = [];
    for (let i = 0; i < this.config.gradAccumSteps; i++) batches.push(this.loader.next());
    const targets = batches.reduce((n, b) => n + countTargets(b), 0);
    const tokens = batches.reduce((n, b) => n + b.batchSize * b.seqLen, 0);
    let forwardMs = 0;
    let lossSum = 0;
    let grads: Record<string, tf.Tensor> = {};
    let traced = false;
    for (const batch of batches) {
      const tStart = performance.now();
      let tForwardEnd = tStart;
      // One traced region per micro-batch shape: forward, loss and backward as one function.
      const step = runTraced(`${this.traceKey}:${batch.batchSize}x${batch.seqLen}`, () =>
        tf.variableGrads(() => {
          const loss = crossEntropySum(
            this.model.forward(batch),
            batch.labels,
            1 / Math.max(1, targets),
          );
          tForwardEnd = performance.now(); // eager kernels run synchronously
          this.samplePeak();
          return loss;
        }, this.trainableVars),
      );
      traced = step.traced;
      // A traced region runs its ops at its end: its forward time is not told apart.
      forwardMs += traced ? 0 : tForwardEnd - tStart;
      const { value, grads: g } = step.value;
      lossSum += value.dataSync()[0]!;
      value.dispose();
      grads = accumulate(grads, this.byHfName(g));
    }
    const tBackwardEnd = performance.now();
    const backwardMs = tBackwardEnd - t0 - forwardMs;
    if (!Number.isFinite(lossSum)) {
      tf.dispose(grads);
      throw new NonFiniteLossError(this.step + 1, lossSum, this.lastCheckpoint);
    }
    const lr = getLr(this.step, this.config.schedule);
    // The norm is reported either way; clipping scales the gradients inside the optimizer's
    // update (no pass of its own).
    const gradNorm = this.optimizer.step(grads, lr, this.config.maxGradNorm);
    tf.dispose(grads);
    this.samplePeak();
    const tEnd = performance.now();
    return {
      loss: lossSum,
      gradNorm,
      lr,
      tokens,
      timings: {
        forwardMs,
        backwardMs,
        optimizerMs: tEnd - tBackwardEnd,
        stepMs: tEnd - t0,
        traced,
      },
    };
  }

  private byHfName(g: tf.NamedTensorMap): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [varName, t] of Object.entries(g)) out[this.hfNames.get(varName)!] = t;
    return out;
  }

  /** Runs until totalSteps or shouldStop(); checkpoints every K steps and at the end. */
  async run(hooks: TrainHooks = {}): Promise<TrainResult> {
    const trainableSet = new Set(this.trainable);
    let lastLoss: number | null = null;
    let stopped = false;
    while (this.step < this.config.totalSteps) {
      if (hooks.shouldStop?.()) {
        stopped = true;
        break;
      }
      const r = this.trainStep();
      this.step++;
      this.tokens += r.tokens;
      lastLoss = r.loss;
      const rows = r.tokens / this.loader.opts.seqLen;
      const flops = trainingStepFlops(
        this.model.config,
        this.model.layerIndices,
        { batchSize: rows, seqLen: this.loader.opts.seqLen },
        this.model.weights.specs,
        trainableSet,
      ).total;
      await hooks.onStep?.({
        step: this.step,
        tokens: this.tokens,
        loss: r.loss,
        lr: r.lr,
        gradNorm: r.gradNorm,
        tokensPerSec: r.tokens / (r.timings.stepMs / 1000),
        flopsPerSec: flops / (r.timings.stepMs / 1000),
        timings: r.timings,
        peakTensorBytes: this.peakTensorBytes,
        rssBytes: process.memoryUsage().rss,
      });
      if (this.config.checkpointEvery > 0 && this.step % this.config.checkpointEvery === 0) {
        const key = await this.saveCheckpoint();
        if (key) await hooks.onCheckpoint?.(key, this.step);
      }
      await yieldToEventLoop(); // heartbeats and cancellation get through between steps
    }
    if (this.checkpointer && this.lastCheckpoint !== this.checkpointKeyFor(this.step)) {
      const key = await this.saveCheckpoint();
      if (key) await hooks.onCheckpoint?.(key, this.step);
    }
    return {
      step: this.step,
      tokens: this.tokens,
      stopped,
      lastCheckpoint: this.lastCheckpoint,
      lastLoss,
    };
  }

  private checkpointKeyFor(step: number): string | null {
    return this.checkpointer?.keyFor(step) ?? null;
  }

  dispose(): void {
    forgetTraced(`${this.traceKey}:`);
    this.optimizer.dispose();
  }
}

/** Sums micro-batch gradients; disposes what it replaces. */
function accumulate(
  acc: Record<string, tf.Tensor>,
  g: Record<string, tf.Tensor>,
): Record<string, tf.Tensor> {
  if (Object.keys(acc).length === 0) return g;
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(g)) {
    out[name] = tf.add(acc[name]!, t);
    acc[name]!.dispose();
    t.dispose();
  }
  return out;
}
