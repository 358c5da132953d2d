// The PyTorch peer (bench/torch-peer.py in the hf-venv): the same model shapes, batch, threads
// and optimizer in Hugging Face LlamaForCausalLM on CPU, next to the engine's own step times of
// the same run. The ratio is PyTorch ms / engine ms (>= 1: the engine is at least as fast).
// The peer is one long-lived process whose rounds interleave with the engine's (speed.ts calls
// round() after each of its own), so a busy spell on a shared machine hits both sides alike.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { toHfConfigJson } from '../formats/index.js';
import { ensureHfVenv } from '../infra/hf-venv.js';
import type { BenchModel } from './bench-models.js';
import type { SpeedRun } from './speed.js';
import { mean, median } from './summary.js';

export interface PeerEntry {
  /** The engine's median step of this run (speed section). */
  oursMs: number;
  /** PyTorch's median over rounds of each round's mean step (the engine's statistic). */
  torchMs: number;
  torchMinMs: number;
  /** PyTorch's mean step of each round, in order (absent in files from before rounds). */
  torchRoundsMs?: number[];
  /** torchMs / oursMs: >= 1 means the engine is at least as fast. */
  ratio: number;
}

export interface PeerResults {
  torch: string;
  threads: number;
  /** Timed rounds, each right after the engine's round of the same model. */
  rounds?: number;
  /** Steps per round, the most of any model (before rounds existed: timed steps in one block). */
  steps: number;
  /** Steps per round of each model: the engine's steps per repetition of that model. */
  stepsPerRound?: Partial<Record<PeerKey, number>>;
  byModel: Partial<Record<PeerKey, { full: PeerEntry; elo: PeerEntry }>>;
}

export type PeerKey = 'demo' | 'llmLike';
type Mode = 'full' | 'elo';

export interface PeerModel {
  key: PeerKey;
  model: BenchModel;
}

interface Ready {
  ready: true;
  torch: string;
  threads: number;
}
type RoundOut = { model: PeerKey } & Record<Mode, number[]>;

export class PeerSession {
  /** Per model and mode: each round's step times. */
  private readonly rounds = new Map<PeerKey, Record<Mode, number[][]>>();
  private readonly stepsPerRound: Partial<Record<PeerKey, number>> = {};
  /** The first error of a round: later rounds are skipped and results() throws it. */
  private failure: Error | null = null;
  private ready: Ready = { ready: true, torch: '', threads: 0 };

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly stderr: () => string,
  ) {}

  /** Starts the peer and waits until every model is built and warmed up. */
  static async start(
    models: PeerModel[],
    o: { warmup: number; log: (line: string) => void },
  ): Promise<PeerSession> {
    const python = await ensureHfVenv(o.log);
    const threads = Number(process.env['ELO_THREADS'] ?? os.availableParallelism());
    const request: Record<string, unknown> = {};
    for (const { key, model } of models) {
      const n = model.config.numHiddenLayers;
      request[key] = {
        batchSize: model.batchSize,
        seqLen: model.seqLen,
        eloLayers: [0, n - 1],
        hfConfig: toHfConfigJson(model.config),
      };
    }
    const script = fileURLToPath(new URL('../../bench/torch-peer.py', import.meta.url));
    o.log(`PyTorch peer: ${models.map((m) => m.model.name).join(', ')} on ${threads} threads…`);
    const child = spawn(
      python,
      [script, JSON.stringify({ threads, warmup: o.warmup, models: request })],
      { env: { ...process.env, OMP_NUM_THREADS: String(threads) } },
    );
    let err = '';
    child.on('error', (e) => (err += `\n${e.message}`)); // e.g. the venv's python is gone
    child.stdin.on('error', (e) => (err += `\n${e.message}`)); // EPIPE once it has died
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const session = new PeerSession(child, lines, () => err);
    session.ready = (await session.next()) as Ready;
    return session;
  }

  /**
   * Times `steps` PyTorch steps of full and of ELO on `key`'s model. Never throws: a failed peer
   * must not cost the engine's speed section its figures, so the error waits for results().
   */
  async round(key: PeerKey, steps: number): Promise<void> {
    if (this.failure) return;
    try {
      this.child.stdin.write(`${JSON.stringify({ model: key, steps })}\n`);
      const out = (await this.next()) as RoundOut;
      const per = this.rounds.get(key) ?? { full: [], elo: [] };
      per.full.push(out.full);
      per.elo.push(out.elo);
      this.rounds.set(key, per);
      this.stepsPerRound[key] = steps;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Drops `key`'s rounds (its engine rounds failed, so they have no counterpart to sit beside). */
  discard(key: PeerKey): void {
    this.rounds.delete(key);
    delete this.stepsPerRound[key];
  }

  /** PyTorch's figures beside the engine's runs of the same rounds. */
  results(ours: Partial<Record<PeerKey, { model: BenchModel; runs: SpeedRun[] }>>): PeerResults {
    if (this.failure) throw this.failure;
    const byModel: PeerResults['byModel'] = {};
    let roundCount = 0;
    for (const [key, per] of this.rounds) {
      const mine = ours[key];
      if (!mine) continue;
      const n = mine.model.config.numHiddenLayers;
      const oursOf = (method: Mode) =>
        mine.runs.find(
          (r) =>
            r.plan.method === method &&
            (method === 'full' || r.plan.layers.join() === `0,${n - 1}`),
        );
      const entry = (method: Mode): PeerEntry => {
        const oursMs = oursOf(method)!.stepMs.median;
        const torchRoundsMs = per[method].map(mean);
        const torchMs = median(torchRoundsMs);
        const torchMinMs = Math.min(...per[method].flat());
        return { oursMs, torchMs, torchMinMs, torchRoundsMs, ratio: torchMs / oursMs };
      };
      if (oursOf('full') && oursOf('elo'))
        byModel[key] = { full: entry('full'), elo: entry('elo') };
      roundCount = Math.max(roundCount, per.full.length);
    }
    const { torch, threads } = this.ready;
    const steps = Math.max(0, ...Object.values(this.stepsPerRound));
    return {
      torch,
      threads,
      rounds: roundCount,
      steps,
      stepsPerRound: this.stepsPerRound,
      byModel,
    };
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }

  private async next(): Promise<unknown> {
    const line = await this.lines.next();
    if (line.done) {
      throw new Error(
        `the PyTorch peer exited early:\n${this.stderr().split('\n').slice(-12).join('\n')}`,
      );
    }
    return JSON.parse(line.value) as unknown;
  }
}
