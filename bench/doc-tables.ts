// The tables of docs/benchmarks.md, each named, from one results file. The page's prose is
// written by hand; these are the only generated parts (render-docs.ts splices them in). Every
// figure is read from the results by name (method, model key, `at`), never by position.
import {
  eloRuns,
  qualityRun,
  type BenchResults,
  type QualityRun,
  type RunRecord,
  type SpeedupRecord,
} from './results.js';
import type { Summary } from './summary.js';
import type { TargetResult } from './targets.js';

/** The paper's claims (ELO: Efficient Layer-specific Optimization), as the project states them. */
export const PAPER = { speedup: 6.46, targetGain: 0.062 };

const MODELS = ['demo', 'llmLike'] as const;
type ModelKey = (typeof MODELS)[number];

const fx = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const pct = (x: number, d = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : 'n/a');
const signedPct = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : 'n/a';
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(3)}` : 'n/a');
const mb = (x: number | null) => (x === null ? 'n/a' : (x / 2 ** 20).toFixed(0));
const g = (x: number) => fx(x / 1e9, 1);
const ms = (s: Summary) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
const s1 = (milliseconds: number) => fx(milliseconds / 1000, 1);

export function markdownTable(head: string[], rows: (string | number)[][], align?: string): string {
  const a = align ?? head.map((_, i) => (i === 0 ? 'l' : 'r')).join('');
  const sep = [...a].map((c) => (c === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const NOT_MEASURED = '_Not measured in this run._';

/** Every generated table of the page, by the name its marker in docs/benchmarks.md carries. */
export function benchTables(r: BenchResults, resultsFile: string): Record<string, string> {
  return {
    source: sourceTable(r, resultsFile),
    claims: claimsTable(r),
    targets: targetsTable(r.targets),
    'failed-sections': r.errors.length
      ? markdownTable(
          ['section', 'error'],
          r.errors.map((e) => [e.section, `\`${e.message.replace(/\|/g, '\\|')}\``]),
          'll',
        )
      : '_None: every section ran._',
    setup: setupTable(r),
    'speed-demo': speedTable(r, 'demo'),
    'speed-llm-like': speedTable(r, 'llmLike'),
    speedup: speedupTable(r),
    'step-budget': stepBudgetTable(r),
    peer: peerTable(r),
    'quality-settings': qualitySettingsTable(r),
    'quality-equal-tokens': r.quality
      ? qualityTable(r.quality.base, r.quality.equalTokens, r.quality.target, r.quality.source)
      : NOT_MEASURED,
    'quality-equal-wall-clock': r.quality
      ? qualityTable(
          r.quality.base,
          r.quality.equalWallClock.runs,
          r.quality.target,
          r.quality.source,
        )
      : NOT_MEASURED,
    ablation: ablationTable(r),
    engine: engineTable(r),
    blas: blasTable(r),
    orchestration: orchestrationTable(r),
    'orchestration-parts': orchestrationPartsTable(r),
    checkpoint: checkpointTable(r),
  };
}

function sourceTable(r: BenchResults, resultsFile: string): string {
  return markdownTable(
    ['results file', 'command', 'mode'],
    [
      [
        `[\`${resultsFile}\`](../${resultsFile})`,
        `\`${r.command}\``,
        r.mode === 'quick' ? 'quick (shows every part runs; not the reported numbers)' : 'full',
      ],
    ],
    'lll',
  );
}

function verdict(t: Pick<TargetResult, 'met' | 'unresolved'>): string {
  if (t.unresolved) return '**not resolved** (inside the run-to-run spread)';
  if (t.met === null) return 'not measured';
  return t.met ? '**met**' : '**missed**';
}

function targetsTable(targets: TargetResult[]): string {
  return markdownTable(
    ['target', 'measured', 'verdict'],
    targets.map((x) => [x.target, x.measured, verdict(x)]),
    'lll',
  );
}

function claimsTable(r: BenchResults): string {
  const rows: string[][] = [];
  const sp = r.speedup;
  if (sp) {
    const demo = sp.byModel.demo;
    rows.push([
      `up to ${PAPER.speedup}x faster training`,
      `ELO {first,last} vs full CP: ${fx(sp.measured)}x on the ${sp.model} model (FLOP-model ideal ${fx(sp.ideal)}x)` +
        (demo ? `; ${fx(demo.measured)}x on the demo model (ideal ${fx(demo.ideal)}x)` : ''),
      sp.measured >= PAPER.speedup ? 'reached' : 'not reached',
    ]);
  }
  const q = r.quality;
  const full = q && qualityRun(q.equalWallClock.runs, 'full');
  for (const elo of q && full ? eloRuns(q.equalWallClock.runs) : []) {
    if (!q || !full || !elo.aligned) continue;
    const { target: t, source: s } = q;
    const gain = (full.bpb[t]! - elo.aligned.bpb[t]!) / full.bpb[t]!;
    rows.push([
      `up to +${pct(PAPER.targetGain)} on target-language benchmarks`,
      `${t} bits per byte, ${elo.label} + alignment vs full CP at equal wall-clock: ${gain >= 0 ? 'better' : 'worse'} by ${pct(Math.abs(gain))} (${fx(elo.aligned.bpb[t]!, 3)} vs ${fx(full.bpb[t]!, 3)})`,
      gain > 0 ? 'same direction' : 'not reproduced',
    ]);
    const eloReg = elo.aligned.bpb[s]! - q.base.bpb[s]!;
    const fullReg = full.bpb[s]! - q.base.bpb[s]!;
    rows.push([
      'English preserved',
      `${s} bits per byte vs base: ${elo.label} + alignment ${signed(eloReg)}, full CP ${signed(fullReg)} (base ${fx(q.base.bpb[s]!, 3)})`,
      eloReg <= 0.01 * q.base.bpb[s]!
        ? 'preserved (within 1% of base)'
        : eloReg < fullReg
          ? 'less regression than full CP, not preserved'
          : 'not preserved',
    ]);
  }
  return rows.length
    ? markdownTable(['claim', 'measured here', 'verdict'], rows, 'lll')
    : NOT_MEASURED;
}

function setupTable(r: BenchResults): string {
  const m = r.machine;
  const loads = (l: number[] | undefined) => l?.map((x) => x.toFixed(2)).join(' / ') ?? 'n/a';
  const list = (o: Record<string, number | string>, sep = ' ') =>
    Object.entries(o)
      .map(([k, v]) => `${k}${sep}${v}`)
      .join(', ');
  return markdownTable(
    ['', ''],
    [
      [
        'machine',
        `${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${m.os}`,
      ],
      [
        'load average (1/5/15 min)',
        `start ${loads(m.loadAverage.start)}; end ${loads(m.loadAverage.end)}`,
      ],
      [
        'backend',
        `${r.backend.name}${r.backend.threads ? `, ${r.backend.threads} thread` : ''} (skipped: ${r.backend.skipped.join(', ') || 'none'})`,
      ],
      ['versions', list(r.versions)],
      [
        'run',
        `${r.startedAt} – ${r.endedAt} (${(r.durationS / 60).toFixed(1)} min), ${r.repetitions} repetitions x ${r.stepsPerRepetition.demo} (demo) / ${r.stepsPerRepetition.llmLike} (llm-like) steps`,
      ],
      ...MODELS.map((k) => {
        const x = r.models[k];
        return [
          `model: ${x.name}`,
          `${list(x.config)}; ${(x.parameters / 1e6).toFixed(2)}M parameters; batch ${x.batchSize} x ${x.seqLen} tokens; LM head ${pct(x.headShareOfForwardFlops)} of forward FLOPs`,
        ];
      }),
      ['base model (quality, orchestration)', r.data.base.source],
      [
        'continual-pretraining data',
        `${Object.entries(r.data.continualPretraining.mix)
          .map(([l, x]) => `${l} ${pct(x, 0)}`)
          .join(', ')}; ${r.data.continualPretraining.trainTokens} tokens`,
      ],
      [
        'held-out eval',
        r.data.eval
          .map(
            (e) =>
              `${e.lang}/${e.set}: ${e.documents} documents, ${e.tokens} tokens, ${e.bytes} bytes`,
          )
          .join('; '),
      ],
    ],
    'll',
  );
}

function speedTable(r: BenchResults, key: ModelKey): string {
  const rows = r.runs.filter((x) => x.model === key);
  if (!rows.length) return NOT_MEASURED;
  return markdownTable(
    [
      'method',
      'trainable params',
      'computed params',
      'step ms (range)',
      'tokens/s',
      'fwd / bwd / opt ms',
      'GFLOP/step',
      'GFLOP/s',
      'peak tensors MiB',
      'RSS MiB',
    ],
    rows.map((x) => [
      x.label,
      (x.params.trainable / 1e6).toFixed(2) + 'M',
      (x.params.computed / 1e6).toFixed(2) + 'M',
      ms(x.stepMs),
      x.tokensPerSec.toFixed(0),
      `${x.phasesMs.forward.toFixed(0)} / ${x.phasesMs.backward.toFixed(0)} / ${x.phasesMs.optimizer.toFixed(0)}`,
      fx(x.flopsPerStep.total / 1e9),
      fx(x.achievedFlopsPerSec / 1e9, 1),
      mb(x.peakTensorBytes),
      mb(x.rssBytes),
    ]),
    'lrrrrrrrrr',
  );
}

function speedupTable(r: BenchResults): string {
  const row = (model: string, name: string, b: SpeedupRecord) => [
    model,
    name,
    `${fx(b.measured)}x (${fx(b.low)}–${fx(b.high)})`,
    `${fx(b.ideal)}x`,
    pct(b.ofIdeal),
  ];
  const rows = MODELS.flatMap((k) => {
    const b = r.speedup?.byModel[k];
    const name = r.models[k].name;
    return b
      ? [row(name, 'ELO {first,last}', b), row(name, 'freeze-tune {first,last}', b.freezeTune)]
      : [];
  });
  return rows.length
    ? markdownTable(
        ['model', 'vs full CP', 'measured speedup (range)', 'FLOP-model ideal', 'measured / ideal'],
        rows,
        'llrrr',
      )
    : NOT_MEASURED;
}

/** Where a step's time goes, against what its matMul FLOPs need at the run's best matMul rate. */
function stepBudgetTable(r: BenchResults): string {
  const rate = r.engine?.matmulFlops;
  if (!rate) return NOT_MEASURED;
  const rows = MODELS.flatMap((k) => {
    const full = r.runs.find((x) => x.model === k && x.method === 'full');
    const elo = r.runs.find((x) => x.model === k && x.method === 'elo' && x.layers.length === 2);
    const need = (x: RunRecord) => (x.flopsPerStep.total / rate) * 1000;
    const row = (x: RunRecord, name: string) => [
      r.models[k].name,
      name,
      x.stepMs.median.toFixed(0),
      need(x).toFixed(0),
      (x.stepMs.median - need(x)).toFixed(0),
      pct((x.stepMs.median - need(x)) / x.stepMs.median),
      x.phasesMs.optimizer.toFixed(0),
    ];
    return full && elo ? [row(full, 'full CP'), row(elo, 'ELO {first,last}')] : [];
  });
  return rows.length
    ? markdownTable(
        [
          'model',
          'method',
          'step ms (median)',
          `matMul FLOPs at ${g(rate)} GFLOP/s, ms`,
          'not explained by matMul FLOPs, ms',
          'share of the step',
          'optimizer ms',
        ],
        rows,
        'llrrrrr',
      )
    : NOT_MEASURED;
}

/** Older results files timed the peer in one block after the engine; newer ones interleave. */
function peerSteps(peer: NonNullable<BenchResults['peer']>): string {
  if (peer.rounds === undefined) return `${peer.steps} after 2 warm-ups`;
  const per = MODELS.flatMap((k) => {
    const n = peer.stepsPerRound?.[k];
    return n === undefined ? [] : [`${n} ${k === 'demo' ? 'demo' : 'llm-like'}`];
  });
  return `${peer.rounds} rounds x ${per.join(', ') || peer.steps}, each after the engine's round, after 2 warm-ups`;
}

function peerTable(r: BenchResults): string {
  const peer = r.peer;
  if (!peer) return NOT_MEASURED;
  const rows = MODELS.flatMap((k) => {
    const m = peer.byModel[k];
    if (!m) return [];
    return (['full', 'elo'] as const).map((method) => {
      const e = m[method];
      return [
        `${r.models[k].name} ${method === 'full' ? 'full CP' : 'ELO {first,last}'}`,
        `${e.oursMs.toFixed(0)} ms (${r.backend.name})`,
        `${e.torchMs.toFixed(0)} ms (fastest ${e.torchMinMs.toFixed(0)})`,
        fx(e.ratio),
      ];
    });
  });
  return [
    markdownTable(
      ['PyTorch', 'threads', 'timed steps'],
      [[`torch ${peer.torch}, fp32`, String(peer.threads), peerSteps(peer)]],
      'lrr',
    ),
    '',
    markdownTable(['step', 'engine', 'PyTorch', 'PyTorch / engine'], rows),
  ].join('\n');
}

function qualitySettingsTable(r: BenchResults): string {
  const q = r.quality;
  if (!q) return NOT_MEASURED;
  const wc = q.equalWallClock;
  return markdownTable(
    ['setting', 'value'],
    [
      ['target / source language', `${q.target} / ${q.source}`],
      ['equal-token budget', `${q.steps} steps x ${q.tokensPerStep} tokens, every method`],
      ['alignment', `${q.alignSteps} steps of full fine-tuning, ${q.source}:${q.target} = 1:1`],
      ['equal wall-clock budget (full CP wall time)', `${s1(wc.budgetMs)} s`],
      ...wc.runs
        .filter((x) => x.method !== 'full')
        .map((x) => [
          `time ${x.label} used of that budget (alignment included)`,
          `${s1(x.wallMs + (x.aligned?.wallMs ?? 0))} s`,
        ]),
    ],
    'lr',
  );
}

function qualityTable(base: QualityRun, runs: QualityRun[], t: string, s: string): string {
  const d = (b: Record<string, number>, l: string) => signed(b[l]! - base.bpb[l]!);
  const rows: (string | number)[][] = [
    ['base', '0', '0', '', fx(base.bpb[t]!, 3), fx(base.bpb[s]!, 3), '', ''],
  ];
  for (const x of runs) {
    rows.push([
      x.label,
      String(x.steps),
      String(x.tokens),
      s1(x.wallMs),
      fx(x.bpb[t]!, 3),
      fx(x.bpb[s]!, 3),
      d(x.bpb, t),
      d(x.bpb, s),
    ]);
    const a = x.aligned;
    if (a)
      rows.push([
        `${x.label} + alignment`,
        `+${a.steps}`,
        '',
        `+${s1(a.wallMs)}`,
        fx(a.bpb[t]!, 3),
        fx(a.bpb[s]!, 3),
        d(a.bpb, t),
        d(a.bpb, s),
      ]);
  }
  return markdownTable(
    [
      'model',
      'steps',
      'tokens',
      'wall s',
      `${t} bpb`,
      `${s} bpb`,
      `Δ${t} vs base`,
      `Δ${s} vs base`,
    ],
    rows,
  );
}

function ablationTable(r: BenchResults): string {
  if (!r.ablation.length) return NOT_MEASURED;
  const t = r.quality?.target ?? 'ko';
  const s = r.quality?.source ?? 'en';
  const ranked = r.ablation
    .filter((a) => a.bpb[t] !== undefined)
    .sort((a, b) => a.bpb[t]! - b.bpb[t]!)
    .map((a) => a.label);
  return markdownTable(
    [
      'λ',
      'layers',
      'step ms (range)',
      'speedup vs full',
      'ideal',
      `${t} bpb`,
      `${s} bpb`,
      `rank by ${t} bpb`,
      'final train loss',
    ],
    r.ablation.map((a) => [
      a.label,
      `{${a.layers.join(',')}}`,
      a.stepMs.n ? ms(a.stepMs) : 'n/a',
      `${fx(a.speedupVsFull)}x`,
      `${fx(a.idealSpeedupVsFull)}x`,
      fx(a.bpb[t] ?? NaN, 3),
      fx(a.bpb[s] ?? NaN, 3),
      ranked.includes(a.label) ? `${ranked.indexOf(a.label) + 1} of ${ranked.length}` : 'n/a',
      fx(a.finalLoss ?? NaN, 3),
    ]),
  );
}

function engineTable(r: BenchResults): string {
  const e = r.engine;
  if (!e) return NOT_MEASURED;
  const trainedOn = r.runs.some((x) => x.model === 'llmLike') ? r.models.llmLike : r.models.demo;
  return markdownTable(
    ['rate', 'GFLOP/s', 'share of backend matMul', 'share of BLAS 1 thread'],
    [
      [
        `training, full CP, ${trainedOn.name} (median repetition)`,
        g(e.trainFlops),
        pct(e.trainFlops / e.matmulFlops),
        e.blasFlopsOneThread ? pct(e.trainFlops / e.blasFlopsOneThread) : 'n/a',
      ],
      ...(e.trainFlopsBest !== undefined
        ? [
            [
              `  the same, fastest repetition`,
              g(e.trainFlopsBest),
              pct(e.trainFlopsBest / e.matmulFlops),
              e.blasFlopsOneThread ? pct(e.trainFlopsBest / e.blasFlopsOneThread) : 'n/a',
            ],
          ]
        : []),
      ...(['start', 'end'] as const).flatMap((at) =>
        e.matmul
          .filter((x) => x.at === at)
          .map((x) => [
            `backend plain matMul ${x.shape}, run ${at} (median; best)`,
            `${g(x.rate.median)}; ${g(x.rate.max)}`,
            '',
            '',
          ]),
      ),
      ['numpy BLAS, 1 thread', e.blasFlopsOneThread ? g(e.blasFlopsOneThread) : 'n/a', '', ''],
      ['numpy BLAS, all threads', e.blasFlops ? g(e.blasFlops) : 'n/a', '', ''],
    ],
  );
}

function blasTable(r: BenchResults): string {
  const b = r.engine?.blas;
  if (!b) return NOT_MEASURED;
  if (!b.available) return `_BLAS not measured: ${b.reason ?? 'unknown'}._`;
  return markdownTable(
    ['python', 'numpy', 'n (float32)', 'threadpoolctl'],
    [
      [
        b.python ?? '?',
        b.numpy ?? '?',
        String(b.n ?? '?'),
        b.kernel
          ?.map(
            (k) =>
              `${k.internalApi} ${k.version ?? ''} kernel ${k.architecture ?? '?'} (${k.threadingLayer ?? '?'}, ${k.numThreads} threads)`,
          )
          .join('; ') ?? '?',
      ],
    ],
    'llrl',
  );
}

function orchestrationTable(r: BenchResults): string {
  const o = r.overhead.orchestrationDetail;
  if (!o) return NOT_MEASURED;
  return markdownTable(
    ['', 'wall ms (median, min–max)', 'vs direct'],
    [
      [`job: ${o.job.label}, ${o.job.steps} steps of ${o.job.tokensPerStep} tokens`, '', ''],
      ['engine called directly (final checkpoint only)', ms(o.directMs), ''],
      [
        `engine called directly, checkpoint every ${o.job.checkpointEvery} steps`,
        ms(o.directCheckpointMs),
        signedPct(o.checkpointOverhead),
      ],
      [
        'the same in a worker thread (runTrainJobInWorker)',
        ms(o.workerThreadMs),
        signedPct(o.workerThreadMs.median / o.directMs.median - 1),
      ],
      [
        'through the pipeline (server, workflow, worker process, input copies, thread, output commit)',
        ms(o.pipelineMs),
        signedPct(o.overhead),
      ],
    ],
  );
}

/** The overhead taken apart, each part relative to the row before it. */
function orchestrationPartsTable(r: BenchResults): string {
  const o = r.overhead.orchestrationDetail;
  if (!o) return NOT_MEASURED;
  return markdownTable(
    ['part', 'measured'],
    [
      ['whole-run overhead (pipeline vs direct)', signedPct(o.overhead)],
      [`checkpoints every ${o.job.checkpointEvery} steps`, signedPct(o.checkpointOverhead)],
      ['then the worker thread', signedPct(o.workerThreadOverhead)],
      [
        'then the pipeline itself (Temporal, input copies, output commit)',
        signedPct(o.temporalOverhead),
      ],
      [
        'steady-state step, worker thread vs calling thread (ms)',
        `${fx(o.perStep.threadMs.median, 0)} vs ${fx(o.perStep.directMs.median, 0)} (${signedPct(o.perStep.overhead)})`,
      ],
      [
        'time outside the steps, pipeline vs direct (s)',
        `${s1(o.fixedMs.pipeline)} vs ${s1(o.fixedMs.direct)}`,
      ],
      [
        'run length at which the whole-run overhead falls to 5%',
        o.stepsFor5Percent === null
          ? 'none (per-step overhead alone is over 5%)'
          : `${o.stepsFor5Percent} steps`,
      ],
      ['not counted: dev server start (s)', s1(o.serverStartMs)],
      ['not counted: worker process start (s)', s1(o.workerStartMs)],
    ],
    'lr',
  );
}

function checkpointTable(r: BenchResults): string {
  const c = r.overhead.checkpointDetail;
  const any = c.file ?? c.s3;
  if (!any) return NOT_MEASURED;
  const range = (s: Summary) => `${fx(s.median, 0)} (${fx(s.min, 0)}–${fx(s.max, 0)})`;
  return markdownTable(
    ['store', 'state saved', 'save MB/s (range)', 'restore MB/s (range)'],
    (['file', 's3'] as const).map((k) => {
      const x = c[k];
      return [
        k === 'file' ? 'file://' : 's3:// (versitygw)',
        `${c.model}, ${mb(any.bytes)} MiB`,
        x ? range(x.saveMBps) : 'n/a',
        x ? range(x.restoreMBps) : 'n/a',
      ];
    }),
    'llrr',
  );
}
