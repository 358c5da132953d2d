// The results file (bench/results/<date>-<machine>.json): every figure measured by one
// `npm run bench` run, or computed from measured ones.
import type { MachineInfo } from './machine.js';
import type { CheckpointThroughput } from './checkpoint-throughput.js';
import type { BlasRate, MatMulRate } from './engine-efficiency.js';
import type { OrchestrationResult } from './orchestration.js';
import type { QualityRun } from './quality.js';
export type { QualityRun };
import type { Summary } from './summary.js';
import type { TargetResult } from './targets.js';
import type { PeerResults } from './torch-peer.js';

export interface RunRecord {
  model: 'demo' | 'llmLike';
  method: 'elo' | 'full' | 'freeze-tune';
  label: string;
  layers: number[];
  params: { trainable: number; computed: number };
  tokensPerSec: number;
  /** Median over repetitions of each repetition's mean step time (ms), with min/max. */
  stepMs: Summary;
  phasesMs: { forward: number; backward: number; optimizer: number };
  flopsPerStep: { forward: number; backward: number; total: number };
  achievedFlopsPerSec: number;
  peakTensorBytes: number | null;
  rssBytes: number | null;
  /** Held-out bits per byte after continual pretraining at the equal token budget (demo model). */
  bpb: Record<string, number>;
}

export interface SpeedupRecord {
  measured: number;
  /** Extremes the repetitions allow (slowest full / fastest ELO and the reverse). */
  low: number;
  high: number;
  ideal: number;
  ofIdeal: number;
}

export interface BenchResults {
  format: 'elo-bench-results';
  version: 1;
  mode: 'quick' | 'full';
  command: string;
  startedAt: string;
  endedAt: string;
  durationS: number;
  machine: MachineInfo;
  backend: { name: string; skipped: string[]; threads: number | null };
  versions: Record<string, string>;
  repetitions: number;
  stepsPerRepetition: { demo: number; llmLike: number };
  models: Record<
    'demo' | 'llmLike',
    {
      name: string;
      config: Record<string, number>;
      batchSize: number;
      seqLen: number;
      parameters: number;
      headShareOfForwardFlops: number;
    }
  >;
  data: {
    continualPretraining: { mix: Record<string, number>; trainTokens: number };
    base: { source: string };
    eval: { lang: string; set: string; documents: number; tokens: number; bytes: number }[];
  };
  runs: RunRecord[];
  speedup:
    | ((SpeedupRecord & { model: string; freezeTune: SpeedupRecord }) & {
        byModel: Partial<Record<'demo' | 'llmLike', SpeedupRecord & { freezeTune: SpeedupRecord }>>;
      })
    | null;
  quality: {
    model: 'demo';
    target: string;
    source: string;
    steps: number;
    tokensPerStep: number;
    alignSteps: number;
    base: QualityRun;
    equalTokens: QualityRun[];
    equalWallClock: { budgetMs: number; runs: QualityRun[] };
  } | null;
  ablation: {
    label: string;
    layers: number[];
    stepMs: Summary;
    speedupVsFull: number;
    idealSpeedupVsFull: number;
    bpb: Record<string, number>;
    finalLoss: number | null;
  }[];
  engine: {
    /** Achieved training FLOP/s: full CP on the LLM-like model (model FLOPs / median step). */
    trainFlops: number;
    /**
     * The same over the fastest repetition: the statistic numpy's BLAS rate is (best of its
     * repetitions), so the share of BLAS compares like with like. Absent in older files.
     */
    trainFlopsBest?: number;
    /** The backend's large plain 2-D matMul, best of the run's measurements. */
    matmulFlops: number;
    /** numpy's BLAS, all threads / one thread (null when python3 + numpy are unavailable). */
    blasFlops: number | null;
    blasFlopsOneThread: number | null;
    matmul: MatMulRate[];
    blas: BlasRate;
  } | null;
  overhead: {
    orchestration: number | null;
    checkpointMBps: {
      file: { save: number; restore: number } | null;
      s3: { save: number; restore: number } | null;
    };
    orchestrationDetail: OrchestrationResult | null;
    checkpointDetail: {
      model: string;
      file: CheckpointThroughput | null;
      s3: CheckpointThroughput | null;
    };
  };
  /** The PyTorch peer (bench/torch-peer.ts); absent in files written before it existed. */
  peer?: PeerResults | null;
  targets: TargetResult[];
  /** Sections that failed, with their error (the rest of the run still reports). */
  errors: { section: string; message: string }[];
}

/** The quality runs a figure is read from, named by method and switches, never by position. */
export type QualityRunName = 'full' | 'freeze-tune' | 'elo' | 'elo+emb';

export function qualityRun(
  runs: readonly QualityRun[],
  name: QualityRunName,
): QualityRun | undefined {
  return runs.find((x) => qualityRunName(x) === name);
}

export function qualityRunName(x: QualityRun): QualityRunName | 'base' {
  if (x.method !== 'elo') return x.method;
  return x.trainEmbeddings ? 'elo+emb' : 'elo';
}

/** The ELO variants of a budget: embeddings frozen (the paper's default) first, then unfrozen. */
export function eloRuns(runs: readonly QualityRun[]): QualityRun[] {
  const elo = runs.filter((x) => x.method === 'elo');
  return [...elo.filter((x) => !x.trainEmbeddings), ...elo.filter((x) => x.trainEmbeddings)];
}
