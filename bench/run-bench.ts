// `npm run bench [-- --full]`: measures ELO against full continual pretraining and in-place
// freeze-tuning on this machine (speed, memory, quality, layer choice), the engine against the
// backend's and the machine's matMul rates, and the pipeline against the engine called directly;
// writes bench/results/<date>-<machine>[-quick].json and regenerates docs/benchmarks.md.
//   --full            the reported mode (20-40 min on 2 shared cores); default quick (minutes)
//   --only a,b        run only these sections (speed, peer, quality, engine, checkpoint,
//                     orchestration; peer = PyTorch on the same shapes, with speed's figures)
//   --only scale      the 1B/3B scale bench alone (bench/scale/): its own results file and docs section
//                     (writes <date>-<machine>[-quick]-only-<sections>.json, leaves the docs alone)
//   --shapes a,b      with --only scale: only these shapes (llama-3.2-1b, llama-3.2-3b); the others' records
//                     are carried over from the newest scale results
//   --no-docs         do not touch docs/benchmarks.md
//   --serial          full mode: run the quality section in this process too
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../engine/backend.js';
import { projectRoot } from '../infra/project-paths.js';
import { ablationRows, engineRates, runRecords, speedups } from './assemble.js';
import { benchData, evalSubset, trainTokens, type BenchData } from './bench-data.js';
import {
  DEMO_MODEL,
  headShare,
  LLM_LIKE_MODEL,
  SHIPPED_BASE_DIR,
  type BenchModel,
} from './bench-models.js';
import { benchSettings, type BenchSettings } from './bench-settings.js';
import { backendMatMulRate, machineBlasRate, type MatMulRate } from './engine-efficiency.js';
import { planFor } from './bench-trainer.js';
import { backendInfo, machineInfo, versions, type MachineInfo } from './machine.js';
import type { QualityContext } from './quality.js';
import { prettierFormat, renderDocs } from './render-docs.js';
import type { BenchResults } from './results.js';
import type { PeerResults } from './torch-peer.js';
import { measureScale } from './scale/scale.js';
import { latestScaleResults, renderScale, spliceScaleSection } from './scale/render-scale.js';
import {
  checkpointSection,
  orchestrationSection,
  peerSection,
  qualitySection,
  sectionRunner,
  speedSection,
  startPeer,
  type QualityPart,
  type SpeedByModel,
} from './sections.js';
import { judgeTargets, targetInputOf } from './targets.js';
import { judgeEngineTargets } from './engine-targets.js';

const SECTIONS = ['speed', 'peer', 'quality', 'engine', 'checkpoint', 'orchestration'] as const;
type SectionName = (typeof SECTIONS)[number];

// The AWS SDK's repeated Node-version notice would bury the bench's own lines.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const TARGET = 'ko';
const SOURCE = 'en';
const EVAL_SET = 'install-guide';

const log = (line: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface BenchArgs {
  full: boolean;
  only: string | undefined;
  noDocs: boolean;
  /** Full mode runs the quality section in a child process once the timed sections are done
   * (its 13 models' memory stays out of this process); --serial runs it in this process. */
  serial: boolean;
  /** Set in the quality child: where it writes its QualityPart. */
  partOut: string | undefined;
  /** `--only scale`: measure only these shapes, carry the others over from the newest results. */
  shapes: string[];
}

function parseBenchArgs(): BenchArgs {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
      serial: { type: 'boolean', default: false },
      'part-out': { type: 'string' },
      shapes: { type: 'string' },
    },
  });
  return {
    full: values.full,
    only: values.only,
    noDocs: values['no-docs'],
    serial: values.serial,
    partOut: values['part-out'],
    shapes: values.shapes?.split(',').filter(Boolean) ?? [],
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  if (args.shapes.length > 0 && args.only !== 'scale') {
    throw new Error('--shapes applies to the scale bench only: use it with --only scale');
  }
  if (args.only === 'scale') return runScale(args.shapes);
  const settings = benchSettings(args.full ? 'full' : 'quick');
  const only = new Set((args.only?.split(',') ?? SECTIONS) as SectionName[]);
  const started = new Date();
  const machine = machineInfo();
  log(
    `${settings.mode} mode on ${machine.cpuModel} x${machine.cores}, load ${machine.loadAverage.start.map((l) => l.toFixed(2)).join(' ')}`,
  );
  await initBackend();
  const errors: BenchResults['errors'] = [];
  const section = sectionRunner(errors, log);

  // Data (cached in .tools/bench after the first run). Quality and orchestration continue from
  // the shipped base model; speed runs use random init.
  const cp = await benchData('data-cp', { target: TARGET, seqLen: 128 });
  const tokens = await trainTokens(cp);
  const inChild =
    args.full && !args.serial && !args.partOut && only.has('quality') && only.size > 1;
  if (inChild) only.delete('quality');
  const evalSets = [
    await evalSubset(cp, TARGET, EVAL_SET, settings.quality.evalTokens),
    await evalSubset(cp, SOURCE, EVAL_SET, settings.quality.evalTokens),
  ];

  // 4 (start): the backend's matMul, measured again at the end (the machine's load drifts).
  const matmul: MatMulRate[] = [];
  const measureMatmul = (at: MatMulRate['at']) => {
    matmul.push(backendMatMulRate(1024, 1024, 1024, settings.repetitions, at));
    matmul.push(backendMatMulRate(1024, 128, 8192, settings.repetitions, at));
  };
  if (only.has('engine')) measureMatmul('start');

  const common = {
    repetitions: settings.repetitions,
    tokens,
    eosTokenId: cp.result.stats.eosTokenId,
    log,
  };
  const noSpeed: SpeedByModel = { demo: [], llmLike: [] };
  const peerSession = only.has('peer') ? await startPeer(section, log) : null;
  let peer: PeerResults | null = null;
  let speed = noSpeed;
  try {
    if (only.has('speed')) speed = await speedSection(section, settings, common, peerSession);
    if (peerSession) peer = await peerSection(section, settings, common, speed, peerSession);
  } finally {
    peerSession?.close();
  }

  let part: QualityPart = { quality: null, ablationRuns: [], errors: [] };
  if (only.has('quality')) {
    const ctx = await qualityContext(cp, tokens, evalSets, settings);
    part = {
      ...(await qualitySection(section, ctx, settings.quality.steps, {
        target: TARGET,
        source: SOURCE,
      })),
      errors: [],
    };
  }
  if (args.partOut) {
    await writeFile(args.partOut, JSON.stringify({ ...part, errors }));
    return;
  }

  // 4 (end): BLAS (numpy) and the backend's matMul again.
  const blas = only.has('engine')
    ? await section('blas', () => machineBlasRate(1024, settings.repetitions, log))
    : null;
  if (only.has('engine')) measureMatmul('end');

  // The quality child runs alone, after the engine's timed sections and before checkpoints and
  // orchestration: a second busy process swamps every timing. Run beside the speed rounds it
  // slowed PyTorch's 2-thread step 5x (llm-like full CP 2792 ms against ~515 ms alone) and the
  // engine's 2x, which read as a PyTorch / engine ratio of 2.10 where alone it is ~0.75.
  if (inChild) {
    part = await runQualityChild();
    errors.push(...part.errors);
  }

  // 5b and 5a. Checkpoints of the LLM-like model in full mode, the demo model in quick mode.
  const ckptModel: BenchModel = args.full ? LLM_LIKE_MODEL : DEMO_MODEL;
  const checkpointDetail = only.has('checkpoint')
    ? await checkpointSection(section, ckptModel, settings.checkpointRepetitions, log)
    : { model: ckptModel.name, file: null, s3: null };
  const orchestration = only.has('orchestration')
    ? await orchestrationSection(section, settings, SHIPPED_BASE_DIR, cp, log)
    : null;

  // Assemble, judge, write.
  machine.loadAverage.end = os.loadavg();
  const ablationRuns = new Map(part.ablationRuns);
  const results: BenchResults = {
    ...(await runInfo(args, settings, machine, started)),
    data: dataInfo(cp, evalSets),
    runs: runRecords(speed, part.quality, ablationRuns),
    speedup: speedups(speed),
    quality: part.quality,
    ablation: ablationRows(speed, ablationRuns),
    engine: only.has('engine') ? engineRates(speed, matmul, blas) : null,
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
  await writeResults(results, args, started, machine);
  if (errors.length) process.exitCode = 1;
}

async function qualityContext(
  cp: BenchData,
  tokens: ArrayLike<number>,
  evalSets: QualityContext['evalSets'],
  settings: BenchSettings,
): Promise<QualityContext> {
  // Alignment's set, as the pipeline makes it: the same sources and split, en:ko = 1:1, only
  // the tokens the alignment steps consume.
  const alignData = await benchData('data-align', {
    target: TARGET,
    seqLen: DEMO_MODEL.seqLen,
    mix: { [SOURCE]: 1, [TARGET]: 1 },
    tokenBudget: settings.quality.alignSteps * DEMO_MODEL.batchSize * DEMO_MODEL.seqLen,
  });
  return {
    m: DEMO_MODEL,
    baseDir: SHIPPED_BASE_DIR,
    tokens,
    alignTokens: await trainTokens(alignData),
    eosTokenId: cp.result.stats.eosTokenId,
    evalSets,
    peakLr: settings.quality.peakLr,
    alignSteps: settings.quality.alignSteps,
    alignLr: settings.quality.alignLr,
    seed: 11,
    log,
  };
}

/** The results file's header: what ran, where, when, with which versions and models. */
async function runInfo(
  args: BenchArgs,
  settings: BenchSettings,
  machine: MachineInfo,
  started: Date,
) {
  const ended = new Date();
  const flags = [...(args.full ? ['--full'] : []), ...(args.only ? [`--only ${args.only}`] : [])];
  return {
    format: 'elo-bench-results' as const,
    version: 1 as const,
    mode: settings.mode,
    command: `npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}`,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationS: (ended.getTime() - started.getTime()) / 1000,
    machine,
    backend: backendInfo(),
    versions: await versions(),
    repetitions: settings.repetitions,
    stepsPerRepetition: settings.stepsPerRepetition,
    models: { demo: modelInfo(DEMO_MODEL), llmLike: modelInfo(LLM_LIKE_MODEL) },
  };
}

function dataInfo(cp: BenchData, evalSets: QualityContext['evalSets']): BenchResults['data'] {
  return {
    continualPretraining: { mix: cp.result.stats.mix, trainTokens: cp.result.stats.trainTokens },
    base: {
      source: `the shipped base model ${path.relative(projectRoot, SHIPPED_BASE_DIR)} (see its README.md)`,
    },
    eval: evalSets.map((e) => ({
      lang: e.lang,
      set: e.set,
      documents: e.documents.length,
      tokens: e.tokens,
      bytes: e.bytes,
    })),
  };
}

function mbps(c: BenchResults['overhead']['checkpointDetail']['file']) {
  return c ? { save: c.saveMBps.median, restore: c.restoreMBps.median } : null;
}

/** bench/results/<date>-<machine>[-quick][-only-…].json, then the docs for a whole run. */
async function writeResults(
  results: BenchResults,
  args: BenchArgs,
  started: Date,
  machine: MachineInfo,
): Promise<void> {
  const dir = path.join(projectRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const host = machine.hostname.replace(/[^A-Za-z0-9-]/g, '-').toLowerCase();
  // A partial run (--only) never replaces a whole run's file, nor the docs.
  const onlySuffix = args.only ? `-only-${args.only.replace(/,/g, '-')}` : '';
  const suffix = `${args.full ? '' : '-quick'}${onlySuffix}`;
  const file = path.join(dir, `${started.toISOString().slice(0, 10)}-${host}${suffix}.json`);
  await writeFile(file, await prettierFormat(JSON.stringify(results, null, 2), 'json'));
  log(`results: ${path.relative(projectRoot, file)} (${results.durationS.toFixed(0)} s)`);
  if (!args.noDocs && !args.only) {
    const written = await renderDocs(results, path.relative(projectRoot, file));
    log(`docs: ${written.join(', ')}`);
  }
  for (const t of results.targets)
    log(
      `${t.unresolved ? 'OPEN' : t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'} ${t.target}: ${t.measured}`,
    );
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
async function runScale(shapes: string[]): Promise<void> {
  const previous = shapes.length > 0 ? ((await latestScaleResults())?.results ?? null) : null;
  const results = await measureScale(log, shapes, previous);
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
  log('docs/benchmarks.md: section 6 (scale) tables rewritten');
}
