import type { ReportData } from './report-data.js';

/** A table as plain strings, rendered the same way into markdown and HTML. */
export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** Columns holding numbers (right-aligned). */
  numeric: number[];
}

export function evaluationTable(data: ReportData): Table {
  const baseBpb = new Map(
    data.evaluations
      .filter((e) => e.model === 'base')
      .map((e) => [`${e.lang}/${e.set}`, e.bitsPerByte]),
  );
  const sorted = [...data.evaluations].sort(
    (a, b) => a.lang.localeCompare(b.lang) || a.set.localeCompare(b.set),
  );
  return {
    title: 'Held-out evaluation',
    headers: [
      'language',
      'set',
      'model',
      'tokens',
      'loss (nats/token)',
      'perplexity',
      'bits/byte',
      'Δ bits/byte vs base',
    ],
    numeric: [3, 4, 5, 6, 7],
    rows: sorted.map((e) => {
      const base = baseBpb.get(`${e.lang}/${e.set}`);
      const delta =
        base === undefined || base === null || e.bitsPerByte === null || e.model === 'base'
          ? ''
          : signed(((e.bitsPerByte - base) / base) * 100, 1) + '%';
      return [
        e.lang,
        e.set,
        e.model,
        int(e.tokens),
        fixed(e.meanNll, 3),
        fixed(e.perplexity, 2),
        fixed(e.bitsPerByte, 4),
        delta,
      ];
    }),
  };
}

export function trainingTable(data: ReportData): Table {
  return {
    title: 'Training stages',
    headers: [
      'stage',
      'method',
      'layers',
      'tokens',
      'wall time',
      'tokens/s',
      'trainable params',
      'computed params',
      'peak tensor memory',
      'RSS',
    ],
    numeric: [3, 4, 5, 6, 7, 8, 9],
    rows: data.training.map((t) => [
      t.stage,
      t.method,
      t.layers ? t.layers.join(', ') : 'all',
      int(t.tokens),
      duration(t.wallMs),
      fixed(t.tokensPerSec, 0),
      int(t.trainableParams),
      int(t.computedParams),
      bytes(t.peakTensorBytes),
      bytes(t.rssBytes),
    ]),
  };
}

/** ELO's throughput over full continual pretraining's, when both ran. */
export function eloSpeedup(data: ReportData): number | undefined {
  const elo = data.training.find((t) => t.method === 'elo');
  const full = data.training.find((t) => t.method === 'full');
  return elo && full && full.tokensPerSec > 0 ? elo.tokensPerSec / full.tokensPerSec : undefined;
}

export function timelineTable(data: ReportData): Table {
  return {
    title: 'Audit timeline',
    headers: ['node', 'stage', 'state', 'attempts', 'started', 'ended', 'duration', 'note'],
    numeric: [3, 6],
    rows: data.timeline.map((t) => [
      t.node,
      t.stage,
      t.state,
      String(t.attempts),
      t.startedAt ?? '',
      t.endedAt ?? '',
      t.startedAt && t.endedAt ? duration(Date.parse(t.endedAt) - Date.parse(t.startedAt)) : '',
      t.note ?? '',
    ]),
  };
}

export const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** null is a NaN that came through JSON (EvaluationSchema): printed as NaN, never a crash. */
export const fixed = (n: number | null, digits: number) =>
  n === null ? 'NaN' : Number.isFinite(n) ? n.toFixed(digits) : String(n);
const signed = (n: number, digits: number) => (n > 0 ? '+' : '') + n.toFixed(digits);

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
