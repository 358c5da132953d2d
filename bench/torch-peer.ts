// The PyTorch peer (bench/torch-peer.py in the hf-venv): the same model shapes, batch, threads
// and optimizer in Hugging Face LlamaForCausalLM on CPU, next to the engine's own step times of
// the same run. The ratio is PyTorch ms / engine ms (>= 1: the engine is at least as fast).
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { toHfConfigJson } from '../formats/index.js';
import { ensureHfVenv } from '../infra/hf-venv.js';
import type { BenchModel } from './bench-models.js';
import type { SpeedRun } from './speed.js';

const run = promisify(execFile);

export interface PeerEntry {
  /** The engine's median step of this run (speed section). */
  oursMs: number;
  /** PyTorch's median step. */
  torchMs: number;
  torchMinMs: number;
  /** torchMs / oursMs: >= 1 means the engine is at least as fast. */
  ratio: number;
}

export interface PeerResults {
  torch: string;
  threads: number;
  steps: number;
  byModel: Partial<Record<'demo' | 'llmLike', { full: PeerEntry; elo: PeerEntry }>>;
}

interface PeerModelInput {
  key: 'demo' | 'llmLike';
  model: BenchModel;
  /** The engine's runs of this model; must include full and elo of the first and last layer. */
  ours: SpeedRun[];
}

interface TorchOut {
  torch: string;
  threads: number;
  models: Record<string, Record<'full' | 'elo', { medianMs: number; minMs: number }>>;
}

export async function measurePeer(
  inputs: PeerModelInput[],
  o: { steps: number; warmup: number; log: (line: string) => void },
): Promise<PeerResults> {
  const python = await ensureHfVenv(o.log);
  const threads = Number(process.env['ELO_THREADS'] ?? os.availableParallelism());
  const models: Record<string, unknown> = {};
  for (const { key, model } of inputs) {
    const n = model.config.numHiddenLayers;
    models[key] = {
      batchSize: model.batchSize,
      seqLen: model.seqLen,
      eloLayers: [0, n - 1],
      hfConfig: toHfConfigJson(model.config),
    };
  }
  const script = fileURLToPath(new URL('../../bench/torch-peer.py', import.meta.url));
  o.log(`PyTorch peer: ${inputs.map((i) => i.model.name).join(', ')} on ${threads} threads…`);
  const { stdout } = await run(
    python,
    [script, JSON.stringify({ threads, steps: o.steps, warmup: o.warmup, models })],
    { maxBuffer: 16 << 20, env: { ...process.env, OMP_NUM_THREADS: String(threads) } },
  );
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as TorchOut;
  const byModel: PeerResults['byModel'] = {};
  for (const { key, model, ours } of inputs) {
    const n = model.config.numHiddenLayers;
    const oursOf = (method: 'full' | 'elo') =>
      ours.find(
        (r) =>
          r.plan.method === method && (method === 'full' || r.plan.layers.join() === `0,${n - 1}`),
      );
    const entry = (method: 'full' | 'elo'): PeerEntry => {
      const t = out.models[key]![method];
      const oursMs = oursOf(method)!.stepMs.median;
      return { oursMs, torchMs: t.medianMs, torchMinMs: t.minMs, ratio: t.medianMs / oursMs };
    };
    if (oursOf('full') && oursOf('elo')) byModel[key] = { full: entry('full'), elo: entry('elo') };
  }
  return { torch: out.torch, threads: out.threads, steps: o.steps, byModel };
}
