// The results table printed when a run ends: bits per byte per language and set for every
// evaluated model, and the cost of every training stage (with ELO's speedup over full CP).
import { fileURLToPath } from 'node:url';
import type { NodeProgress } from '../client/describe-run.js';

const label = (n: NodeProgress) => {
  const meta = n.outputs['metrics']?.meta?.['label'];
  return typeof meta === 'string' ? meta : n.id;
};

export function resultsTable(nodes: readonly NodeProgress[]): string {
  const lines: string[] = [];
  const evals = nodes.filter((n) => n.stage === 'evaluate' && Object.keys(n.metrics).length);
  if (evals.length) {
    const keys = [
      ...new Set(
        evals.flatMap((n) => Object.keys(n.metrics).filter((k) => k.startsWith('bitsPerByte.'))),
      ),
    ].sort();
    const labels = evals.map(label);
    const w = Math.max(11, ...labels.map((l) => l.length));
    lines.push('Held-out bits per byte (lower is better):');
    lines.push(`  ${'language/set'.padEnd(24)}${labels.map((l) => l.padStart(w + 2)).join('')}`);
    for (const k of keys) {
      const row = evals.map((n) => {
        const v = n.metrics[k];
        // null is a NaN that came through JSON: the model evaluates to NaN, say so.
        return (v === undefined ? '' : v === null ? 'NaN' : v.toFixed(3)).padStart(w + 2);
      });
      lines.push(`  ${k.slice('bitsPerByte.'.length).replace('.', '/').padEnd(24)}${row.join('')}`);
    }
  }
  const trains = nodes.filter((n) => n.stage === 'train' && n.metrics['tokens'] !== undefined);
  if (trains.length) {
    lines.push('', 'Training:');
    lines.push(
      `  ${'stage'.padEnd(16)}${'tokens'.padStart(10)}${'time'.padStart(10)}${'tok/s'.padStart(9)}${'trainable'.padStart(12)}${'computed'.padStart(12)}`,
    );
    for (const n of trains) {
      const m = n.metrics;
      lines.push(
        `  ${n.id.padEnd(16)}${String(m['tokens']).padStart(10)}${`${((m['wallMs'] ?? 0) / 1000).toFixed(1)} s`.padStart(10)}` +
          `${Math.round(m['tokensPerSec'] ?? 0)
            .toString()
            .padStart(
              9,
            )}${String(m['trainableParams']).padStart(12)}${String(m['computedParams']).padStart(12)}`,
      );
    }
    const elo = trains.find((n) => n.id === 'elo-pretrain');
    const full = trains.find((n) => n.id === 'full-cp');
    if (elo && full && full.metrics['tokensPerSec']) {
      const x = elo.metrics['tokensPerSec']! / full.metrics['tokensPerSec'];
      lines.push(`  ELO speedup over full CP (tokens/s): ${x.toFixed(2)}x`);
    }
  }
  return lines.join('\n');
}

/** The report's files as local paths (file:// store) or URIs. */
export function reportLocation(
  nodes: readonly NodeProgress[],
): { html: string; markdown: string } | undefined {
  const ref = nodes.find((n) => n.stage === 'report')?.outputs['report'];
  if (!ref) return undefined;
  const base = ref.uri.startsWith('file://') ? fileURLToPath(ref.uri) : ref.uri;
  const join = (f: string) => (base.endsWith('/') ? base + f : `${base}/${f}`);
  return { html: join('report.html'), markdown: join('report.md') };
}
