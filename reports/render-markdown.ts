import { coverageNote } from './coverage-note.js';
import type { ReportData } from './report-data.js';
import { SAMPLES_PREAMBLE, sampleNote } from './sample-notes.js';
import { eloSpeedup, evaluationTable, timelineTable, trainingTable, type Table } from './tables.js';

export interface PlotFiles {
  loss: string;
  bitsPerByte: string;
}

/** The run report as markdown; plots are SVG files next to it. */
export function renderMarkdown(data: ReportData, plots: PlotFiles): string {
  const speedup = eloSpeedup(data);
  const out = [
    `# ELO run report: ${data.run.name}`,
    '',
    `Pipeline \`${data.run.pipeline}\` · base model \`${data.run.baseModel}\` · target language ` +
      `\`${data.run.targetLanguage}\`` +
      (data.run.codeVersion ? ` · code \`${data.run.codeVersion}\`` : '') +
      (data.run.startedAt ? ` · started ${data.run.startedAt}` : '') +
      (data.run.reportedAt ? ` · report written ${data.run.reportedAt}` : ''),
    '',
  ];
  if (speedup !== undefined) {
    out.push(
      `**ELO trained ${speedup.toFixed(2)}× faster than full continual pretraining** (tokens/s).`,
      '',
    );
  }
  const coverage = coverageNote(data);
  if (coverage) out.push(coverage.unseen ? `> **${coverage.text}**` : coverage.text, '');
  out.push(markdownTable(evaluationTable(data)), '', `![bits per byte](${plots.bitsPerByte})`, '');
  out.push(markdownTable(trainingTable(data)), '', `![loss curves](${plots.loss})`, '');
  if (data.samples.length > 0) {
    out.push('## Samples', '', SAMPLES_PREAMBLE, '');
    for (const s of data.samples) {
      const note = sampleNote(data, s.model, s.lang);
      out.push(
        `**${s.model}** (${s.lang}) — prompt: ${quoteInline(s.prompt)}` +
          (note ? ` — ${note}` : ''),
        '',
        fenced(s.prompt + s.completion),
        '',
      );
    }
  }
  if (data.timeline.length > 0) out.push(markdownTable(timelineTable(data)), '');
  return out.join('\n');
}

function markdownTable(table: Table): string {
  const align = table.headers.map((_, i) => (table.numeric.includes(i) ? '---:' : '---'));
  const row = (cells: string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [
    `## ${table.title}`,
    '',
    row(table.headers),
    `| ${align.join(' | ')} |`,
    ...table.rows.map(row),
  ].join('\n');
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const quoteInline = (s: string) => '`' + s.replace(/`/g, "'").replace(/\n/g, ' ') + '`';

function fenced(text: string): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}text\n${text}\n${fence}`;
}
