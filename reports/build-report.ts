import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bitsPerByteSpec, lossCurvesSpec, renderSvg } from './plots.js';
import { ReportDataSchema, type ReportData } from './report-data.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

export const REPORT_FILES = {
  markdown: 'report.md',
  html: 'report.html',
  data: 'report-data.json',
  lossPlot: 'loss.svg',
  bitsPerBytePlot: 'bits-per-byte.svg',
} as const;

/** Writes report.md, report.html (self-contained), the two SVG plots and the data they show. */
export async function buildReport(input: ReportData, outDir: string): Promise<typeof REPORT_FILES> {
  const data = ReportDataSchema.parse(input);
  const [loss, bitsPerByte] = await Promise.all([
    renderSvg(lossCurvesSpec(data.training)),
    renderSvg(bitsPerByteSpec(data.evaluations)),
  ]);
  await mkdir(outDir, { recursive: true });
  const write = (name: string, text: string) => writeFile(path.join(outDir, name), text);
  await Promise.all([
    write(REPORT_FILES.lossPlot, loss),
    write(REPORT_FILES.bitsPerBytePlot, bitsPerByte),
    write(
      REPORT_FILES.markdown,
      renderMarkdown(data, {
        loss: REPORT_FILES.lossPlot,
        bitsPerByte: REPORT_FILES.bitsPerBytePlot,
      }),
    ),
    write(REPORT_FILES.html, renderHtml(data, { loss, bitsPerByte })),
    write(REPORT_FILES.data, JSON.stringify(data, null, 2)),
  ]);
  return REPORT_FILES;
}
