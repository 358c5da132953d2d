// `npm run bench [-- --full]`: measures ELO against full continual pretraining and in-place
// freeze-tuning on this machine (speed, memory, quality, layer choice), the engine against the
// backend's and the machine's matMul rates, and the pipeline against the engine called directly;
// writes bench/results/<date>-<machine>[-quick].json and regenerates docs/benchmarks.md.
//   --full            the reported mode (20-40 min on 2 shared cores); default quick (minutes)
//   --only a,b        run only these sections (speed, peer, quality, engine, checkpoint,
//                     orchestration; peer = PyTorch on the same shapes, with speed's figures)
//   --only scale      the 1B/3B scale bench alone (bench/scale/): its own results file and docs section
//                     (writes <date>-<machine>[-quick]-only-<sections>.json, leaves the docs alone)
//   --no-docs         do not touch docs/benchmarks.md
//   --serial          full mode: run the quality section in this process too
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../engine/backend.js';
import { detach } from '../formats/index.js';
import { DEFAULT_ADAMW } from '../engine/train/adamw.js';
import { projectRoot } from '../infra/project-paths.js';
import { startS3Server, s3ServerEnv } from '../infra/s3-server.js';
import { openStore } from '../storage/open-store.js';
import { s3SettingsFromEnv } from '../storage/s3-settings.js';
import { benchData, evalSubset, trainTokens } from './bench-data.js';
import {
  DEMO_MODEL,
  headShare,
  LLM_LIKE_MODEL,
  SHIPPED_BASE_DIR,
  type BenchModel,
} from './bench-models.js';
import { benchSettings } from './bench-settings.js';
import { checkpointThroughput } from './checkpoint-throughput.js';
import { backendMatMulRate, machineBlasRate, type MatMulRate } from './engine-efficiency.js';
import { planFor } from './bench-trainer.js';
import { idealSpeedup } from './flop-model.js';
import { backendInfo, machineInfo, versions } from './machine.js';
import { measureOrchestration } from './orchestration.js';
import { baseRun, eloRun, inPlaceRun, type QualityContext, type QualityRun } from './quality.js';
import { ABLATION_LAYERS } from './quality/ablation-layers.js';
import { prettierFormat, renderDocs } from './render-docs.js';
import type { BenchResults, RunRecord, SpeedupRecord } from './results.js';
import { measureScale } from './scale/scale.js';
import { renderScale, spliceScaleSection } from './scale/render-scale.js';
import { measureSpeed, type MethodRequest, type SpeedRun } from './speed.js';
import { ratioOfMedians } from './summary.js';
import { judgeTargets, targetInputOf } from './targets.js';
import { judgeEngineTargets } from './engine-targets.js';
import { measurePeer, type PeerResults } from './torch-peer.js';

const SECTIONS = ['speed', 'peer', 'quality', 'engine', 'checkpoint', 'orchestration'] as const;
type Section = (typeof SECTIONS)[number];

// The AWS SDK's repeated Node-version notice would bury the bench's own lines.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const TARGET = 'ko';
const SOURCE = 'en';
const EVAL_SET = 'install-guide';

const log = (line: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
      // Full mode runs the quality section in a child process next to the others (it is the
      // longest, and on a shared machine two processes get more CPU than one); --serial does not.
      serial: { type: 'boolean', default: false },
      'part-out': { type: 'string' },
    },
  });
  if (values.only === 'scale') {
    await runScale();
    return;
  }
  const settings = benchSettings(values.full ? 'full' : 'quick');
  const only = new Set((values.only?.split(',') ?? SECTIONS) as Section[]);
  const split =
    values.full && !values.serial && !values['part-out'] && only.has('quality') && only.size > 1;
  const started = new Date();
  const machine = machineInfo();
  log(
    `${settings.mode} mode on ${machine.cpuModel} x${machine.cores}, load ${machine.loadAverage.start.map((l) => l.toFixed(2)).join(' ')}`,
  );
  await initBackend();
  const errors: BenchResults['errors'] = [];
  const section = async <T>(name: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`section ${name} failed: ${message}`);
      errors.push({ section: name, message: message.split('\n').slice(0, 3).join(' | ') });
      return null;
    }
  };

  // Data and the base model (cached in .tools/bench after the first run).
  const cp = await benchData('data-cp', { target: TARGET, seqLen: 128 });
  const tokens = await trainTokens(cp);
  const eos = cp.result.stats.eosTokenId;
  // Quality and orchestration continue from the shipped base model; speed runs use random init.
  const base = { dir: SHIPPED_BASE_DIR };
  const qualityChild = split ? runQualityChild() : null;
  if (split) only.delete('quality');
  const evalSets = [
    await evalSubset(cp, TARGET, EVAL_SET, settings.quality.evalTokens),
    await evalSubset(cp, SOURCE, EVAL_SET, settings.quality.evalTokens),
  ];

  const matmul: MatMulRate[] = [];
  const measureMatmul = () => {
    matmul.push(backendMatMulRate(1024, 1024, 1024, settings.repetitions));
    matmul.push(backendMatMulRate(1024, 128, 8192, settings.repetitions));
  };
  if (only.has('engine')) measureMatmul();

  // 1 + 3 (speed): every method interleaved per model.
  const n = DEMO_MODEL.config.numHiddenLayers;
  const nL = LLM_LIKE_MODEL.config.numHiddenLayers;
  const speed = { demo: [] as SpeedRun[], llmLike: [] as SpeedRun[] };
  const common = { repetitions: settings.repetitions, tokens, eosTokenId: eos, log };
  if (only.has('speed')) {
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
    speed.demo =
      (await section('speed demo', () =>
        measureSpeed(DEMO_MODEL, 'demo', demoMethods, {
          ...common,
          stepsPerRepetition: settings.stepsPerRepetition.demo,
        }),
      )) ?? [];
    speed.llmLike =
      (await section('speed llm-like', () =>
        measureSpeed(LLM_LIKE_MODEL, 'llmLike', llmMethods, {
          ...common,
          stepsPerRepetition: settings.stepsPerRepetition.llmLike,
        }),
      )) ?? [];
  }

  // 1b: the PyTorch peer on the same shapes; the engine's figures are the speed section's (or,
  // without it, full and ELO measured here).
  let peer: PeerResults | null = null;
  if (only.has('peer')) {
    peer = await section('peer', async () => {
      const inputs = [];
      for (const [key, m, ours] of [
        ['demo', DEMO_MODEL, speed.demo],
        ['llmLike', LLM_LIKE_MODEL, speed.llmLike],
      ] as const) {
        const last = m.config.numHiddenLayers - 1;
        const runs = ours.length
          ? ours
          : await measureSpeed(
              m,
              key,
              [
                { method: 'full', layers: [] },
                { method: 'elo', layers: [0, last] },
              ],
              { ...common, stepsPerRepetition: 1, memory: false },
            );
        inputs.push({ key, model: m, ours: runs });
      }
      return measurePeer(inputs, { steps: settings.repetitions, warmup: 2, log });
    });
  }

  // 2 + 3 (quality).
  // Alignment's set, as the pipeline makes it: the same sources and split, en:ko = 1:1, only
  // the tokens the alignment steps consume.
  const alignData = await benchData('data-align', {
    target: TARGET,
    seqLen: DEMO_MODEL.seqLen,
    mix: { [SOURCE]: 1, [TARGET]: 1 },
    tokenBudget: settings.quality.alignSteps * DEMO_MODEL.batchSize * DEMO_MODEL.seqLen,
  });
  const ctx: QualityContext = {
    m: DEMO_MODEL,
    baseDir: base?.dir ?? '',
    tokens,
    alignTokens: await trainTokens(alignData),
    eosTokenId: eos,
    evalSets,
    peakLr: settings.quality.peakLr,
    alignSteps: settings.quality.alignSteps,
    alignLr: settings.quality.alignLr,
    seed: 11,
    log,
  };
  const S = settings.quality.steps;
  let quality: BenchResults['quality'] = null;
  const ablationRuns = new Map<string, QualityRun>();
  if (only.has('quality')) {
    quality = await section('quality', async () => {
      const baseQ = await baseRun(ctx);
      log(`base: bpb ${JSON.stringify(baseQ.bpb)}`);
      const full = await inPlaceRun(ctx, 'full', [], S);
      const freeze = await inPlaceRun(ctx, 'freeze-tune', [0, n - 1], S);
      const elo = await eloRun(ctx, [0, n - 1], S, { align: true });
      // DESIGN's switch: the same ELO with embeddings (and the tied head) unfrozen.
      const eloEmb = await eloRun(ctx, [0, n - 1], S, { align: true, trainEmbeddings: true });
      // Equal wall-clock: full CP's wall time is the budget; ELO's includes its alignment.
      const budgetMs = full.wallMs;
      const fitted = (r: QualityRun) =>
        Math.max(1, Math.floor((budgetMs - r.aligned!.wallMs) / (r.wallMs / S)));
      const freezeSteps = Math.max(1, Math.floor(budgetMs / (freeze.wallMs / S)));
      const eloWc = await eloRun(ctx, [0, n - 1], fitted(elo), { align: true });
      const eloEmbWc = await eloRun(ctx, [0, n - 1], fitted(eloEmb), {
        align: true,
        trainEmbeddings: true,
      });
      const freezeWc = await inPlaceRun(ctx, 'freeze-tune', [0, n - 1], freezeSteps);
      ablationRuns.set('first+last', elo);
      return {
        model: 'demo' as const,
        target: TARGET,
        source: SOURCE,
        steps: S,
        tokensPerStep: DEMO_MODEL.batchSize * DEMO_MODEL.seqLen,
        alignSteps: settings.quality.alignSteps,
        base: baseQ,
        equalTokens: [full, freeze, elo, eloEmb],
        equalWallClock: { budgetMs, runs: [full, freezeWc, eloWc, eloEmbWc] },
      };
    });
    await section('ablation quality', async () => {
      for (const a of ABLATION_LAYERS) {
        if (ablationRuns.has(a.name)) continue;
        ablationRuns.set(a.name, await eloRun(ctx, a.layers(n), S, { align: false }));
      }
    });
  }

  if (values['part-out']) {
    const part: QualityPart = { quality, ablationRuns: [...ablationRuns], errors };
    await writeFile(values['part-out'], JSON.stringify(part));
    return;
  }

  // 4: BLAS (numpy) and the backend's matMul again at the end (load drifts).
  let blas: Awaited<ReturnType<typeof machineBlasRate>> | null = null;
  if (only.has('engine')) {
    blas = await section('blas', () => machineBlasRate(1024, settings.repetitions, log));
    measureMatmul();
  }

  // The quality child is done before checkpoints and orchestration start: they compare wall
  // times of whole runs, which a second process's changing load would swamp.
  if (qualityChild) {
    const part = await qualityChild;
    quality = part.quality;
    for (const [k, v] of part.ablationRuns) ablationRuns.set(k, v);
    errors.push(...part.errors);
  }

  // 5b: checkpoint throughput, file:// and S3.
  const ckptModel: BenchModel = values.full ? LLM_LIKE_MODEL : DEMO_MODEL;
  const checkpointDetail: BenchResults['overhead']['checkpointDetail'] = {
    model: ckptModel.name,
    file: null,
    s3: null,
  };
  if (only.has('checkpoint')) {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-ckpt-'));
    try {
      checkpointDetail.file = await section('checkpoint file', () =>
        checkpointThroughput(
          ckptModel,
          openStore(`file://${path.join(scratch, 'store')}`),
          'ckpt',
          settings.checkpointRepetitions,
        ),
      );
      checkpointDetail.s3 = await section('checkpoint s3', async () => {
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
          return await checkpointThroughput(
            ckptModel,
            store,
            'ckpt',
            settings.checkpointRepetitions,
          );
        } finally {
          await server.stop();
        }
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  // 5a: orchestration.
  // The ELO flow's training input: the detached model (formats' detach of λ = first+last).
  const detachedDir = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-detached-'));
  const orchestration =
    only.has('orchestration') && base
      ? await section('orchestration', async () => {
          const detached = path.join(detachedDir, 'model');
          await detach(base.dir, [0, -1], detached);
          return measureOrchestration(
            {
              model: { folder: detached },
              data: {
                shards: cp.result.shards.train.map((f) => path.join(cp.dir, f)),
                eosTokenId: eos,
                seqLen: DEMO_MODEL.seqLen,
                batchSize: DEMO_MODEL.batchSize,
              },
              selection: { mode: 'elo' },
              train: {
                seed: 1,
                totalSteps: settings.orchestration.steps,
                gradAccumSteps: 1,
                schedule: {
                  peakLr: 1e-3,
                  minLr: 1e-4,
                  warmupSteps: 1,
                  totalSteps: settings.orchestration.steps,
                },
                adamw: DEFAULT_ADAMW,
                maxGradNorm: 1,
                checkpointEvery: settings.orchestration.checkpointEvery,
              },
            },
            settings.orchestration.repetitions,
            log,
            `ELO {0,${n - 1}} (the detached two-layer model)`,
          );
        })
      : null;
  await rm(detachedDir, { recursive: true, force: true });

  // Assemble.
  const record = (modelKey: 'demo' | 'llmLike', r: SpeedRun): RunRecord => {
    const q =
      quality?.equalTokens.find((x) => x.label === r.label) ??
      (r.plan.method === 'elo'
        ? [...ablationRuns.values()].find((x) => x.label === r.label)
        : undefined);
    return {
      model: modelKey,
      method: r.plan.method,
      label: r.label,
      layers: r.plan.layers,
      params: r.plan.params,
      tokensPerSec: r.tokensPerSec,
      stepMs: r.stepMs,
      phasesMs: r.phasesMs,
      flopsPerStep: r.plan.flops,
      achievedFlopsPerSec: r.achievedFlopsPerSec,
      peakTensorBytes: r.peakTensorBytes,
      rssBytes: r.rssBytes,
      bpb: modelKey === 'demo' && q ? q.bpb : {},
    };
  };
  const runs = [
    ...speed.demo.map((r) => record('demo', r)),
    ...speed.llmLike.map((r) => record('llmLike', r)),
  ];
  const speedupOf = (rs: SpeedRun[], fast: SpeedRun | undefined): SpeedupRecord | null => {
    const full = rs.find((r) => r.plan.method === 'full');
    if (!full || !fast) return null;
    const ratio = ratioOfMedians(full.stepMs, fast.stepMs);
    const ideal = idealSpeedup(full.plan, fast.plan);
    return {
      measured: ratio.median,
      low: ratio.low,
      high: ratio.high,
      ideal,
      ofIdeal: ratio.median / ideal,
    };
  };
  const byModel: NonNullable<BenchResults['speedup']>['byModel'] = {};
  for (const [key, rs, last] of [
    ['demo', speed.demo, n - 1],
    ['llmLike', speed.llmLike, nL - 1],
  ] as const) {
    const elo = speedupOf(
      rs,
      rs.find((r) => r.plan.method === 'elo' && r.plan.layers.join() === `0,${last}`),
    );
    const freeze = speedupOf(
      rs,
      rs.find((r) => r.plan.method === 'freeze-tune'),
    );
    if (elo && freeze) byModel[key] = { ...elo, freezeTune: freeze };
  }
  const headline = byModel.llmLike ?? byModel.demo;
  const fullDemo = speed.demo.find((r) => r.plan.method === 'full');
  const ablation: BenchResults['ablation'] = ABLATION_LAYERS.flatMap((a) => {
    const r = speed.demo.find(
      (x) => x.plan.method === 'elo' && x.plan.layers.join() === a.layers(n).join(),
    );
    const q = ablationRuns.get(a.name);
    if (!r && !q) return [];
    return [
      {
        label: a.name,
        layers: a.layers(n),
        stepMs: r?.stepMs ?? { n: 0, min: NaN, median: NaN, max: NaN },
        speedupVsFull: r && fullDemo ? fullDemo.stepMs.median / r.stepMs.median : NaN,
        idealSpeedupVsFull: r && fullDemo ? idealSpeedup(fullDemo.plan, r.plan) : NaN,
        bpb: q?.bpb ?? {},
        finalLoss: q?.finalLoss ?? null,
      },
    ];
  });
  const fullLlm = speed.llmLike.find((r) => r.plan.method === 'full');
  const engine: BenchResults['engine'] =
    only.has('engine') && matmul.length
      ? {
          trainFlops: fullLlm?.achievedFlopsPerSec ?? fullDemo?.achievedFlopsPerSec ?? NaN,
          matmulFlops: Math.max(...matmul.map((m) => m.rate.max)),
          blasFlops: blas?.flopsPerSec ?? null,
          blasFlopsOneThread: blas?.flopsPerSecOneThread ?? null,
          matmul,
          blas: blas ?? { available: false, reason: 'section failed' },
        }
      : null;
  const mbps = (c: typeof checkpointDetail.file) =>
    c ? { save: c.saveMBps.median, restore: c.restoreMBps.median } : null;
  machine.loadAverage.end = os.loadavg();
  const ended = new Date();
  const results: BenchResults = {
    format: 'elo-bench-results',
    version: 1,
    mode: settings.mode,
    command: `npm run bench${values.full || values.only ? ' --' : ''}${values.full ? ' --full' : ''}${values.only ? ` --only ${values.only}` : ''}`,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationS: (ended.getTime() - started.getTime()) / 1000,
    machine,
    backend: backendInfo(),
    versions: await versions(),
    repetitions: settings.repetitions,
    stepsPerRepetition: settings.stepsPerRepetition,
    models: { demo: modelInfo(DEMO_MODEL), llmLike: modelInfo(LLM_LIKE_MODEL) },
    data: {
      continualPretraining: { mix: cp.result.stats.mix, trainTokens: cp.result.stats.trainTokens },
      base: {
        source: `the shipped base model ${path.relative(projectRoot, base.dir)} (see its README.md)`,
      },
      eval: evalSets.map((e) => ({
        lang: e.lang,
        set: e.set,
        documents: e.documents.length,
        tokens: e.tokens,
        bytes: e.bytes,
      })),
    },
    runs,
    speedup: headline
      ? { ...headline, model: byModel.llmLike ? LLM_LIKE_MODEL.name : DEMO_MODEL.name, byModel }
      : null,
    quality,
    ablation,
    engine,
    overhead: {
      orchestration: orchestration?.overhead ?? null,
      checkpointMBps: { file: mbps(checkpointDetail.file), s3: mbps(checkpointDetail.s3) },
      orchestrationDetail: orchestration,
      checkpointDetail,
    },
    peer,
    targets: [],
    errors,
  };
  results.targets = [...judgeTargets(targetInputOf(results)), ...judgeEngineTargets(results)];
  const dir = path.join(projectRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const host = machine.hostname.replace(/[^A-Za-z0-9-]/g, '-').toLowerCase();
  // A partial run (--only) never replaces a whole run's file, nor the docs.
  const onlySuffix = values.only ? `-only-${values.only.replace(/,/g, '-')}` : '';
  const suffix = `${values.full ? '' : '-quick'}${onlySuffix}`;
  const file = path.join(dir, `${started.toISOString().slice(0, 10)}-${host}${suffix}.json`);
  await writeFile(file, await prettierFormat(JSON.stringify(results, null, 2), 'json'));
  log(`results: ${path.relative(projectRoot, file)} (${results.durationS.toFixed(0)} s)`);
  if (!values['no-docs'] && !values.only) {
    const written = await renderDocs(results, path.relative(projectRoot, file));
    log(`docs: ${written.join(', ')}`);
  }
  for (const t of results.targets)
    log(
      `${t.unresolved ? 'OPEN' : t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'} ${t.target}: ${t.measured}`,
    );
  if (errors.length) process.exitCode = 1;
}

/** What the quality child process hands back (full mode). */
interface QualityPart {
  quality: BenchResults['quality'];
  ablationRuns: [string, QualityRun][];
  errors: BenchResults['errors'];
}

async function runQualityChild(): Promise<QualityPart> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-bench-quality-'));
  const file = path.join(scratch, 'quality.json');
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        [process.argv[1]!, '--full', '--only', 'quality', '--no-docs', '--part-out', file],
        { stdio: 'inherit' },
      );
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`the quality process exited with ${code}`);
    return JSON.parse(await readFile(file, 'utf8')) as QualityPart;
  } catch (err) {
    return {
      quality: null,
      ablationRuns: [],
      errors: [{ section: 'quality', message: String(err) }],
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function shapeOf(m: BenchModel) {
  const c = m.config;
  return {
    vocabSize: c.vocabSize,
    hiddenSize: c.hiddenSize,
    intermediateSize: c.intermediateSize,
    numHiddenLayers: c.numHiddenLayers,
    numAttentionHeads: c.numAttentionHeads,
    numKeyValueHeads: c.numKeyValueHeads,
  };
}

function modelInfo(m: BenchModel) {
  return {
    name: m.name,
    config: shapeOf(m),
    batchSize: m.batchSize,
    seqLen: m.seqLen,
    parameters: planFor(m, 'full', []).params.computed,
    headShareOfForwardFlops: headShare(m),
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/** `--only scale`: bench/results/<date>-<machine>-scale.json and section 6 of docs/benchmarks.md. */
async function runScale(): Promise<void> {
  const results = await measureScale(log);
  const dir = path.join(projectRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const host = os
    .hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .toLowerCase();
  const file = path.join(dir, `${results.date.slice(0, 10)}-${host}-scale.json`);
  await writeFile(file, await prettierFormat(JSON.stringify(results, null, 2), 'json'));
  const rel = path.relative(projectRoot, file);
  log(`results: ${rel}`);
  await spliceScaleSection(renderScale(results, rel));
  const docs = path.join(projectRoot, 'docs', 'benchmarks.md');
  await writeFile(docs, await prettierFormat(await readFile(docs, 'utf8'), 'markdown'));
  log('docs/benchmarks.md: section 6 (scale) rewritten');
}
