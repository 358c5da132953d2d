// The scale tables of docs/benchmarks.md (section 6), from the newest bench/results/*-scale.json:
// written by `npm run bench -- --only scale` between its markers, and kept by the full page's
// renderer. The section's prose is written by hand above the markers; only tables come from here.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../../engine/memory-model.js';
import { projectRoot } from '../../infra/project-paths.js';
import { markdownTable } from '../doc-tables.js';
import type { ScaleResults, ShapeRecord } from './scale.js';

export const SCALE_BEGIN = '<!-- scale:begin (npm run bench -- --only scale) -->';
export const SCALE_END = '<!-- scale:end -->';

const gb = (n: number) => (n / 1e9).toFixed(2);
const pct = (est: number, measured: number) =>
  `${est >= measured ? '+' : ''}${(((est - measured) / measured) * 100).toFixed(0)}%`;

export function renderScale(r: ScaleResults, file: string): string {
  const settings = markdownTable(
    ['results file', 'date', 'backend', 'machine memory', 'evaluation', 'ELO training'],
    [
      [
        `[\`${file}\`](../${file})`,
        r.date.slice(0, 10),
        `\`${r.backend}\``,
        formatBytes(r.machineMemoryBytes),
        `${r.settings.eval.tokens} tokens, batches of ${r.settings.eval.batchSize} x ${r.settings.eval.seqLen}, layer by layer`,
        `λ = {first, last}, ${r.settings.steps} steps of ${r.settings.train.batchSize} x ${r.settings.train.seqLen} tokens`,
      ],
    ],
    'llllll',
  );
  const p = r.paper;
  return [
    SCALE_BEGIN,
    settings,
    markdownTable(
      [
        'shape',
        'measured',
        'parameters',
        'files',
        'made in s',
        'ELO step s',
        'ELO tokens/s',
        'full CP (memory model)',
      ],
      r.shapes.map((s) => shapeRow(s, r.date.slice(0, 10))),
      'llrrrrrl',
    ),
    markdownTable(
      ['shape', 'stage', 'wall s', 'peak RSS GB', 'estimate GB', 'estimate vs measured'],
      r.shapes.flatMap((s) => s.stages.map((st) => stageRow(s.shape, st))),
      'llrrrr',
    ),
    markdownTable(
      [
        'model',
        'GPU',
        'method',
        'memory needed',
        'fits',
        'PFLOP per 1B tokens',
        'hours per 1B tokens',
      ],
      p.rows.map((row) => [
        `${p.model} (${(p.params / 1e9).toFixed(2)}B)`,
        row.gpu,
        row.method,
        formatBytes(row.estimateBytes),
        row.fits ? 'yes' : 'no',
        (row.flopsPer1BTokens / 1e15).toFixed(0),
        row.fits
          ? row.hoursPer1BTokens.toFixed(1)
          : `(${row.hoursPer1BTokens.toFixed(1)} if it fit)`,
      ]),
      'lllrlrr',
    ),
    markdownTable(['on-paper assumptions'], [[p.assumptions]], 'l'),
    SCALE_END,
  ].join('\n\n');
}

function shapeRow(s: ShapeRecord, runDate: string): string[] {
  return [
    s.shape,
    s.measuredOn ?? runDate,
    `${(s.params / 1e9).toFixed(2)}B`,
    `${s.files.count}, ${formatBytes(s.files.bytes)}`,
    (s.files.makeMs / 1000).toFixed(0),
    s.elo.stepMs > 0
      ? `${(s.elo.stepMs / 1000).toFixed(1)} per ${s.elo.tokensPerStep} tokens`
      : 'not run',
    s.elo.stepMs > 0 ? s.elo.tokensPerSec.toFixed(0) : '',
    s.fullCp.refusal
      ? `refused before loading: “${s.fullCp.refusal}”`
      : `needs ${formatBytes(s.fullCp.estimateBytes)}; fits ${formatBytes(s.fullCp.budgetBytes)}`,
  ];
}

function stageRow(shape: string, st: ShapeRecord['stages'][number]): string[] {
  const est = st.estimateBytes;
  if (st.skipped) return [shape, st.stage, 'not run', '', gb(est ?? 0), st.skipped];
  return [
    shape,
    st.stage,
    (st.wallMs / 1000).toFixed(1),
    gb(st.peakRssBytes),
    est === null ? '' : gb(est),
    est === null ? '' : pct(est, st.peakRssBytes),
  ];
}

/** The newest scale results file and its path from the project root; null when none. */
export async function latestScaleResults(): Promise<{
  results: ScaleResults;
  file: string;
} | null> {
  const dir = path.join(projectRoot, 'bench', 'results');
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('-scale.json'))
    .sort();
  const last = files.at(-1);
  if (!last) return null;
  const results = JSON.parse(await readFile(path.join(dir, last), 'utf8')) as ScaleResults;
  return { results, file: `bench/results/${last}` };
}

/** The newest scale results, rendered; '' when the bench never ran. */
export async function latestScaleSection(): Promise<string> {
  const latest = await latestScaleResults();
  return latest ? renderScale(latest.results, latest.file) : '';
}

/** The page with its scale tables (markers included) replaced by section. */
export function withScaleSection(doc: string, section: string): string {
  const a = doc.indexOf(SCALE_BEGIN);
  const b = doc.indexOf(SCALE_END);
  if (a < 0 || b < a)
    throw new Error(`docs/benchmarks.md: no ${SCALE_BEGIN} … ${SCALE_END} markers`);
  return doc.slice(0, a) + section + doc.slice(b + SCALE_END.length);
}

/** Replaces the scale tables of docs/benchmarks.md between their markers. */
export async function spliceScaleSection(section: string): Promise<void> {
  const file = path.join(projectRoot, 'docs', 'benchmarks.md');
  await writeFile(file, withScaleSection(await readFile(file, 'utf8'), section));
}
