// Child process for one memory measurement: a fresh process per method, because RSS and the
// WASM heap only grow and would otherwise carry every earlier model's peak. Trains one step of a
// randomly initialised model (weights, AdamW moments and activations are all live in it) and
// prints {peakTensorBytes, rssBytes} as JSON.
//   node dist/bench/memory-probe.js '{"model":"demo","method":"elo","layers":[0,-1]}'
import { initBackend } from '../engine/backend.js';
import { benchTrainer, planFor, randomModelFor } from './bench-trainer.js';
import { DEMO_MODEL, LLM_LIKE_MODEL } from './bench-models.js';
import type { BenchMethod } from './flop-model.js';

export interface ProbeRequest {
  model: 'demo' | 'llmLike';
  method: BenchMethod;
  layers: number[];
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2]!) as ProbeRequest;
  await initBackend({ log: () => {} });
  const m = req.model === 'demo' ? DEMO_MODEL : LLM_LIKE_MODEL;
  const plan = planFor(m, req.method, req.layers);
  const model = randomModelFor(m, plan, 1);
  const tokens = Int32Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % m.config.vocabSize);
  const trainer = benchTrainer(model, m, plan, tokens, {
    steps: 1,
    peakLr: 1e-3,
    seed: 1,
    eosTokenId: 1,
  });
  let last = { peakTensorBytes: 0, rssBytes: 0 };
  await trainer.run({
    onStep: (s) => {
      last = { peakTensorBytes: s.peakTensorBytes, rssBytes: s.rssBytes };
    },
  });
  console.log(JSON.stringify(last));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
