import { coverageNote } from './coverage-note.js';
import type { ReportData } from './report-data.js';
import { SAMPLES_PREAMBLE, sampleNote } from './sample-notes.js';
import { eloSpeedup, evaluationTable, timelineTable, trainingTable, type Table } from './tables.js';

export interface PlotSvgs {
  loss: string;
  bitsPerByte: string;
}

/** The run report as one self-contained HTML page: inline CSS and SVG, no scripts, no fetches. */
export function renderHtml(data: ReportData, plots: PlotSvgs): string {
  const speedup = eloSpeedup(data);
  const meta = [
    `pipeline <code>${esc(data.run.pipeline)}</code>`,
    `base model <code>${esc(data.run.baseModel)}</code>`,
    `target language <code>${esc(data.run.targetLanguage)}</code>`,
    data.run.codeVersion ? `code <code>${esc(data.run.codeVersion)}</code>` : '',
    data.run.startedAt ? `started ${esc(data.run.startedAt)}` : '',
    data.run.reportedAt ? `report written ${esc(data.run.reportedAt)}` : '',
  ].filter(Boolean);
  const samples = data.samples
    .map((s) => {
      const note = sampleNote(data, s.model, s.lang);
      return (
        `<div class="sample"><div class="who">${esc(s.model)} · ${esc(s.lang)}</div>` +
        (note ? `<div class="note">${esc(note)}</div>` : '') +
        `<pre><b>${esc(s.prompt)}</b>${esc(s.completion)}</pre></div>`
      );
    })
    .join('\n');
  const coverage = coverageNote(data);
  const coverageHtml = coverage
    ? `<p class="${coverage.unseen ? 'warning' : 'coverage'}">${esc(coverage.text)}</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>ELO run report: ${esc(data.run.name)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}
.headline{font-size:1.2em;background:#eef6ee;padding:.6em 1em;border-radius:6px}
.plots{display:flex;flex-wrap:wrap;gap:2em}pre{white-space:pre-wrap;background:#f8f8f8;padding:.6em}
.sample .who{font-weight:600;margin-top:1em}.warning{background:#fdecea;padding:.6em 1em;border-radius:6px}code{background:#f3f3f3;padding:0 3px}
</style></head><body>
<h1>ELO run report: ${esc(data.run.name)}</h1>
<p>${meta.join(' · ')}</p>
${speedup === undefined ? '' : `<p class="headline">ELO trained <b>${speedup.toFixed(2)}×</b> faster than full continual pretraining (tokens/s).</p>`}
${coverageHtml}
${htmlTable(evaluationTable(data))}
<div class="plots"><figure>${plots.bitsPerByte}</figure></div>
${htmlTable(trainingTable(data))}
<div class="plots"><figure>${plots.loss}</figure></div>
${samples ? `<h2>Samples</h2>\n<p>${esc(SAMPLES_PREAMBLE)}</p>\n${samples}` : ''}
${data.timeline.length > 0 ? htmlTable(timelineTable(data)) : ''}
</body></html>
`;
}

function htmlTable(table: Table): string {
  const head = table.headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = table.rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${table.numeric.includes(i) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<h2>${esc(table.title)}</h2>\n<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
