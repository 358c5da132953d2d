import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Evaluation, TrainingRun } from './report-data.js';

// Plots are Vega-Lite specs rendered to SVG headlessly: no browser, no canvas, no network, and
// the SVG embeds in both the markdown (as a file) and the self-contained HTML (inline).

/** Training loss against tokens seen, one line per training stage. */
export function lossCurvesSpec(training: TrainingRun[]): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Training loss',
    width: 520,
    height: 260,
    data: {
      values: training.flatMap((t) =>
        t.curve.map((p) => ({ stage: t.stage, tokens: p.tokens, loss: p.loss })),
      ),
    },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'tokens', type: 'quantitative', title: 'tokens seen' },
      y: {
        field: 'loss',
        type: 'quantitative',
        title: 'loss (nats/token)',
        scale: { zero: false },
      },
      color: { field: 'stage', type: 'nominal', title: 'stage' },
    },
  };
}

/** Held-out bits per byte per language, bars grouped by model (lower is better). */
export function bitsPerByteSpec(evaluations: Evaluation[]): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Held-out bits per byte (lower is better)',
    data: {
      values: evaluations.map((e) => ({
        model: e.model,
        lang: `${e.lang} (${e.set})`,
        bpb: e.bitsPerByte,
      })),
    },
    mark: 'bar',
    encoding: {
      column: { field: 'lang', type: 'nominal', title: null },
      x: { field: 'model', type: 'nominal', title: null, sort: null },
      y: { field: 'bpb', type: 'quantitative', title: 'bits per byte' },
      color: { field: 'model', type: 'nominal', sort: null },
    },
    // Each language shows only the models evaluated on it.
    resolve: { scale: { x: 'independent' } },
    width: 140,
    height: 220,
  };
}

export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
