// The measuring sections of `npm run bench`, one function each, in the order run-bench.ts runs
// them. Each takes what it measures and returns its figures; run-bench.ts assembles them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ADAMW } from '../engine/train/adamw.js';
import { detach } from '../formats/index.js';
import { startS3Server, s3ServerEnv } from '../infra/s3-server.js';
import { openStore } from '../storage/open-store.js';
import { s3SettingsFromEnv } from '../storage/s3-settings.js';
import { TOKENIZER_DIR, type BenchData } from './bench-data.js';
import { DEMO_MODEL, LLM_LIKE_MODEL, type BenchModel } from './bench-models.js';
import type { BenchSettings } from './bench-settings.js';
import { checkpointThroughput } from './checkpoint-throughput.js';
import { measureOrchestration, type OrchestrationResult } from './orchestration.js';
import { baseRun, eloRun, inPlaceRun, type QualityContext, type QualityRun } from './quality.js';
import type { BenchResults } from './results.js';
import { measureSpeed, type MethodRequest, type SpeedRun } from './speed.js';
import { type PeerKey, type PeerResults, PeerSession } from './torch-peer.js';

export type Log = (line: string) => void;

/** λ sets of the layer-choice ablation (the paper's first+last among them). */
export const ABLATION_LAYERS: { name: string; layers: (n: number) => number[] }[] = [
  { name: 'first', layers: () => [0] },
  { name: 'last', layers: (n) => [n - 1] },
  { name: 'first+last', layers: (n) => [0, n - 1] },
  { name: 'two middle', layers: (n) => [n / 2 - 1, n / 2] },
  { name: 'first two', layers: () => [0, 1] },
  { name: 'last two', layers: (n) => [n - 2, n - 1] },
  { name: 'first+last+middle', layers: (n) => [0, n / 2, n - 1] },
];

/** Runs one section; a failure is logged and recorded, and the rest of the bench still reports. */
export function sectionRunner(errors: BenchResults['errors'], log: Log) {
  return async <T>(name: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`section ${name} failed: ${message}`);
      errors.push({ section: name, message: message.split('\n').slice(0, 3).join(' | ') });
      return null;
    }
  };
}
export type Section = ReturnType<typeof sectionRunner>;

export interface SpeedCommon {
  repetitions: number;
  tokens: ArrayLike<number>;
  eosTokenId: number;
  log: Log;
}

export interface SpeedByModel {
  demo: SpeedRun[];
  llmLike: SpeedRun[];
}

/** The models the PyTorch peer runs, by results key. */
const PEER_MODELS = [
  { key: 'demo', model: DEMO_MODEL },
  { key: 'llmLike', model: LLM_LIKE_MODEL },
] as const;

/**
 * 1 + 3 (speed): every method interleaved per model; the demo model runs every ablation λ. With
 * `peer`, the PyTorch peer's round of the same model follows each of the engine's rounds.
 */
export async function speedSection(
  section: Section,
  settings: BenchSettings,
  common: SpeedCommon,
  peer: PeerSession | null,
): Promise<SpeedByModel> {
  const n = DEMO_MODEL.config.numHiddenLayers;
  const nL = LLM_LIKE_MODEL.config.numHiddenLayers;
  const demoMethods: MethodRequest[] = [
    { method: 'full', layers: [] },
    { method: 'freeze-tune', layers: [0, n - 1] },
    ...ABLATION_LAYERS.map((a) => ({ method: 'elo' as const, layers: a.layers(n) })),
  ];
  const llmMethods: MethodRequest[] = [
    { method: 'full', layers: [] },
    { method: 'freeze-tune', layers: [0, nL - 1] },
    { method: 'elo', layers: [0, nL - 1] },
  ];
  const demo = await section('speed demo', () =>
    measureSpeed(DEMO_MODEL, 'demo', demoMethods, {
      ...common,
      stepsPerRepetition: settings.stepsPerRepetition.demo,
      afterRound: peerRound(peer, 'demo', settings.stepsPerRepetition.demo),
    }),
  );
  const llmLike = await section('speed llm-like', () =>
    measureSpeed(LLM_LIKE_MODEL, 'llmLike', llmMethods, {
      ...common,
      stepsPerRepetition: settings.stepsPerRepetition.llmLike,
      afterRound: peerRound(peer, 'llmLike', settings.stepsPerRepetition.llmLike),
    }),
  );
  return { demo: demo ?? [], llmLike: llmLike ?? [] };
}

/**
 * Each side's round starts after a pause, so the other side's background work has ended: without
 * it the engine process used up to 107 ms of CPU during a PyTorch round (V8's and TensorFlow's
 * threads winding down), with it 1-2 ms.
 */
const SETTLE_MS = 200;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

function peerRound(peer: PeerSession | null, key: PeerKey, steps: number) {
  if (!peer) return undefined;
  return async () => {
    await settle();
    await peer.round(key, steps);
    await settle();
  };
}

/** Starts the PyTorch peer for the speed rounds (null, logged and recorded, if it cannot). */
export async function startPeer(section: Section, log: Log): Promise<PeerSession | null> {
  return section('peer', () => PeerSession.start([...PEER_MODELS], { warmup: 2, log }));
}

/**
 * 1b: the PyTorch peer on the same shapes, its rounds interleaved with the engine's. Without the
 * speed section, full and ELO are measured here, interleaved the same way.
 */
export async function peerSection(
  section: Section,
  settings: BenchSettings,
  common: SpeedCommon,
  speed: SpeedByModel,
  peer: PeerSession,
): Promise<PeerResults | null> {
  return section('peer', async () => {
    const ours: Parameters<PeerSession['results']>[0] = {};
    for (const { key, model: m } of PEER_MODELS) {
      const last = m.config.numHiddenLayers - 1;
      // Without the speed section's runs of this model (not run, or it failed part-way), measure
      // full and ELO here; rounds the peer ran beside a failed section would be unmatched.
      if (!speed[key].length) peer.discard(key);
      const runs = speed[key].length
        ? speed[key]
        : await measureSpeed(
            m,
            key,
            [
              { method: 'full', layers: [] },
              { method: 'elo', layers: [0, last] },
            ],
            {
              ...common,
              stepsPerRepetition: 1,
              memory: false,
              afterRound: peerRound(peer, key, 1),
            },
          );
      ours[key] = { model: m, runs };
    }
    return peer.results(ours);
  });
}

/** What the quality section hands back (also across processes in full mode). */
export interface QualityPart {
  quality: BenchResults['quality'];
  ablationRuns: [string, QualityRun][];
  errors: BenchResults['errors'];
}

/**
 * 2 + 3 (quality): every method at equal tokens, then at full CP's wall-clock budget, and the
 * ablation's λ sets at equal tokens.
 */
export async function qualitySection(
  section: Section,
  ctx: QualityContext,
  steps: number,
  names: { target: string; source: string },
): Promise<Omit<QualityPart, 'errors'>> {
  const n = DEMO_MODEL.config.numHiddenLayers;
  const lambda = [0, n - 1];
  const ablationRuns = new Map<string, QualityRun>();
  const quality = await section('quality', async () => {
    const base = await baseRun(ctx);
    ctx.log(`base: bpb ${JSON.stringify(base.bpb)}`);
    const full = await inPlaceRun(ctx, 'full', [], steps);
    const freeze = await inPlaceRun(ctx, 'freeze-tune', lambda, steps);
    const elo = await eloRun(ctx, lambda, steps, { align: true });
    // DESIGN's switch: the same ELO with embeddings (and the tied head) unfrozen.
    const eloEmb = await eloRun(ctx, lambda, steps, { align: true, trainEmbeddings: true });
    // Equal wall-clock: full CP's wall time is the budget; ELO's includes its alignment.
    const budgetMs = full.wallMs;
    const fitted = (r: QualityRun) =>
      Math.max(1, Math.floor((budgetMs - r.aligned!.wallMs) / (r.wallMs / steps)));
    const freezeSteps = Math.max(1, Math.floor(budgetMs / (freeze.wallMs / steps)));
    const eloWc = await eloRun(ctx, lambda, fitted(elo), { align: true });
    const eloEmbWc = await eloRun(ctx, lambda, fitted(eloEmb), {
      align: true,
      trainEmbeddings: true,
    });
    const freezeWc = await inPlaceRun(ctx, 'freeze-tune', lambda, freezeSteps);
    ablationRuns.set('first+last', elo);
    return {
      model: 'demo' as const,
      ...names,
      steps,
      tokensPerStep: DEMO_MODEL.batchSize * DEMO_MODEL.seqLen,
      alignSteps: ctx.alignSteps,
      base,
      equalTokens: [full, freeze, elo, eloEmb],
      equalWallClock: { budgetMs, runs: [full, freezeWc, eloWc, eloEmbWc] },
    };
  });
  await section('ablation quality', async () => {
    for (const a of ABLATION_LAYERS) {
      if (ablationRuns.has(a.name)) continue;
      ablationRuns.set(a.name, await eloRun(ctx, a.layers(n), steps, { align: false }));
    }
  });
  return { quality, ablationRuns: [...ablationRuns] };
}

/** 5b: checkpoint throughput through the file:// store and a local S3 server. */
export async function checkpointSection(
  section: Section,
  model: BenchModel,
  repetitions: number,
  log: Log,
): Promise<BenchResults['overhead']['checkpointDetail']> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-ckpt-'));
  try {
    const file = await section('checkpoint file', () =>
      checkpointThroughput(
        model,
        openStore(`file://${path.join(scratch, 'store')}`),
        'ckpt',
        repetitions,
      ),
    );
    const s3 = await section('checkpoint s3', async () => {
      const server = await startS3Server({
        dataDir: path.join(scratch, 's3'),
        bucket: 'elo-bench',
        // Throwaway credentials for the local server only.
        credentials: {
          accessKeyId: `bench-${randomBytes(6).toString('hex')}`,
          secretAccessKey: randomBytes(24).toString('hex'),
        },
        log,
      });
      try {
        const store = openStore(
          's3://elo-bench/bench',
          s3SettingsFromEnv({ ...process.env, ...s3ServerEnv(server) }),
        );
        return await checkpointThroughput(model, store, 'ckpt', repetitions);
      } finally {
        await server.stop();
      }
    });
    return { model: model.name, file, s3 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** 5a: ELO training of the detached {first,last} model, through the pipeline and directly. */
export async function orchestrationSection(
  section: Section,
  settings: BenchSettings,
  baseDir: string,
  cp: BenchData,
  log: Log,
): Promise<OrchestrationResult | null> {
  const n = DEMO_MODEL.config.numHiddenLayers;
  const { steps, checkpointEvery, repetitions } = settings.orchestration;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-detached-'));
  try {
    return await section('orchestration', async () => {
      // The ELO flow's training input: formats' detach of λ = first+last.
      const detached = path.join(scratch, 'model');
      await detach(baseDir, [0, -1], detached);
      // The train stage's params as a DAG would write them: ELO on the detached model, the demo
      // shape's micro-batch, a checkpoint every K steps.
      return measureOrchestration(
        {
          modelDir: detached,
          data: cp,
          tokenizer: TOKENIZER_DIR,
          params: {
            mode: 'elo',
            steps,
            batchSize: DEMO_MODEL.batchSize,
            seqLen: DEMO_MODEL.seqLen,
            gradAccumSteps: 1,
            lr: 1e-3,
            minLrRatio: 0.1,
            warmupSteps: 1,
            weightDecay: DEFAULT_ADAMW.weightDecay,
            maxGradNorm: 1,
            seed: 1,
            checkpointEvery,
          },
        },
        repetitions,
        log,
        `ELO {0,${n - 1}} (the detached two-layer model)`,
      );
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
