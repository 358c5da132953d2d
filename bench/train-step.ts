// Times training steps of an 8-layer, d=128, vocab-8k Llama (batch 8 x 128) on the active
// backend and compares with the FLOP-count prediction. Optional per-op profile.
//   npm run build && node dist/bench/train-step.js [--mode full|elo] [--steps 5] [--profile]
//     [--model llm-like|demo] (the bench's model shapes, bench-models.ts)
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { initBackend } from '../engine/backend.js';
import { type TrainMode } from '../engine/train/trainable.js';
import { type BenchModel, DEMO_MODEL, LLM_LIKE_MODEL } from './bench-models.js';
import { stepTrainer } from './step-trainer.js';

const PLAIN_MATMUL_GFLOPS = 20; // plain 2-D matMul rate of this machine, idle (WASM, 1 thread)

/** The plain 2-D matMul rate right now (shared machines vary): [1024,128]·[128,8192]. */
function plainMatMulGflops(): number {
  const a = tf.randomNormal([1024, 128]);
  const b = tf.randomNormal([128, 8192]);
  const once = () => tf.tidy(() => void tf.matMul(a, b).dataSync());
  once();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  tf.dispose([a, b]);
  return (2 * 1024 * 128 * 8192) / Math.min(...times) / 1e6;
}

function benchModelNamed(name: string | undefined): BenchModel | undefined {
  if (name === undefined) return undefined;
  const models: Record<string, BenchModel> = { demo: DEMO_MODEL, 'llm-like': LLM_LIKE_MODEL };
  const model = models[name];
  if (!model) throw new Error(`--model ${name}: one of ${Object.keys(models).join(', ')}`);
  return model;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'full' },
      steps: { type: 'string', default: '5' },
      profile: { type: 'boolean', default: false },
      model: { type: 'string' },
    },
  });
  const mode = values.mode as TrainMode;
  const steps = Number(values.steps);
  const backend = await initBackend();
  const { model, trainable, trainer, flops, tokensPerStep } = stepTrainer(
    mode,
    steps + 1,
    benchModelNamed(values.model),
  );
  // warm-up (XNNPACK operator creation, allocations; the traced step's capture)
  const losses = [trainer.trainStep().loss];
  const rows: { stepMs: number; forwardMs: number; backwardMs: number; optimizerMs: number }[] = [];
  for (let i = 0; i < steps; i++) {
    const r = trainer.trainStep();
    rows.push(r.timings);
    losses.push(r.loss);
  }
  const rate = plainMatMulGflops();
  const med = (k: keyof (typeof rows)[number]) =>
    rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)]!;
  const stepMs = med('stepMs');
  console.log(
    JSON.stringify(
      {
        backend: backend.name,
        mode,
        layers: model.layerIndices,
        trainableParams: trainable.length,
        stepGflop: +(flops.total / 1e9).toFixed(2),
        forwardGflop: +(flops.forward / 1e9).toFixed(2),
        backwardGflop: +(flops.backward / 1e9).toFixed(2),
        predictedMsAt20Gflops: Math.round(flops.total / (PLAIN_MATMUL_GFLOPS * 1e6)),
        plainMatMulGflopsNow: +rate.toFixed(1),
        predictedMsAtRateNow: Math.round(flops.total / (rate * 1e6)),
        medianStepMs: Math.round(stepMs),
        minStepMs: Math.round(Math.min(...rows.map((r) => r.stepMs))),
        forwardMs: Math.round(med('forwardMs')),
        backwardMs: Math.round(med('backwardMs')),
        optimizerMs: Math.round(med('optimizerMs')),
        achievedGflops: +(flops.total / stepMs / 1e6).toFixed(1),
        tokensPerSec: Math.round(tokensPerStep / (stepMs / 1000)),
        // every step's loss, the warm-up's first: traced and eager runs compare on these
        losses,
      },
      null,
      2,
    ),
  );
  if (values.profile) {
    const t0 = performance.now();
    const info = await tf.profile(() => void trainer.trainStep());
    const wallMs = performance.now() - t0;
    const byShape = new Map<string, { n: number; ms: number }>();
    const byOp = new Map<string, { n: number; ms: number }>();
    let kernelMs = 0;
    for (const k of info.kernels) {
      const ms = Number(await k.kernelTimeMs) || 0;
      kernelMs += ms;
      for (const [map, key] of [
        [byShape, `${k.name} ${JSON.stringify(k.inputShapes)}`],
        [byOp, k.name],
      ] as const) {
        const a = map.get(key) ?? { n: 0, ms: 0 };
        a.n++;
        a.ms += ms;
        map.set(key, a);
      }
    }
    // Kernel times nest (a customGrad's forward holds its kernels), so their sum can exceed the
    // wall; the kernel count is what eager dispatch pays for (docs/engine.md, "What remains").
    console.log(
      `profiled step: ${wallMs.toFixed(0)} ms wall, ${info.kernels.length} kernels, ` +
        `${kernelMs.toFixed(0)} ms summed kernel time (the optimizer's native ops are not listed)`,
    );
    const top = (title: string, map: Map<string, { n: number; ms: number }>, n: number) => {
      console.log(title);
      for (const [key, a] of [...map].sort((x, y) => y[1].ms - x[1].ms).slice(0, n)) {
        console.log(`${a.ms.toFixed(1).padStart(8)} ${String(a.n).padStart(5)}  ${key}`);
      }
    };
    top('by op (ms, calls, op):', byOp, 15);
    top('top ops (ms, calls, op [input shapes]):', byShape, 25);
  }
  trainer.dispose();
  model.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
