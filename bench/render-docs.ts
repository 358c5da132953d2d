// Fills the generated tables and plots of docs/benchmarks.md from one results file. The page
// itself (headings, prose, how to read each table) is written by hand; each table sits between
// `<!-- table:NAME -->` and `<!-- /table:NAME -->` and is replaced whole. A marker the page
// names but the results cannot fill, or a table the page lacks, is an error: the two stay in step.
//   node dist/bench/render-docs.js bench/results/<file>.json
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../infra/project-paths.js';
import { renderSvg } from '../reports/plots.js';
import { ablationSpec, engineSpec, qualitySpec, speedSpec } from './bench-plots.js';
import { benchTables } from './doc-tables.js';
import { judgeEngineTargets } from './engine-targets.js';
import type { BenchResults } from './results.js';
import { latestScaleSection, withScaleSection } from './scale/render-scale.js';
import { judgeTargets, targetInputOf } from './targets.js';

export const BENCH_DOC = path.join(projectRoot, 'docs', 'benchmarks.md');

const MARKER = /<!-- table:([a-z0-9-]+) -->[\s\S]*?<!-- \/table:\1 -->/g;

/** The page with every table marker filled; throws naming any marker and table out of step. */
export function fillTables(doc: string, tables: Record<string, string>): string {
  const seen = new Set<string>();
  const filled = doc.replace(MARKER, (_, name: string) => {
    const table = tables[name];
    if (table === undefined) throw new Error(`docs/benchmarks.md: no table named "${name}"`);
    seen.add(name);
    return `<!-- table:${name} -->\n\n${table}\n\n<!-- /table:${name} -->`;
  });
  const missing = Object.keys(tables).filter((n) => !seen.has(n));
  if (missing.length)
    throw new Error(`docs/benchmarks.md has no marker for: ${missing.join(', ')}`);
  return filled;
}

export async function renderDocs(r: BenchResults, resultsFile: string): Promise<string[]> {
  const plotDir = path.join(projectRoot, 'docs', 'benchmarks');
  await mkdir(plotDir, { recursive: true });
  const written = ['docs/benchmarks.md'];
  const plots: [string, Parameters<typeof renderSvg>[0] | null][] = [
    ['speed.svg', r.runs.length ? speedSpec(r) : null],
    ['quality.svg', r.quality ? qualitySpec(r) : null],
    ['ablation.svg', r.quality && r.ablation.length ? ablationSpec(r, r.quality.target) : null],
    ['engine.svg', r.engine ? engineSpec(r) : null],
  ];
  for (const [name, spec] of plots) {
    if (!spec) continue;
    await writeFile(path.join(plotDir, name), await renderSvg(spec));
    written.push(`docs/benchmarks/${name}`);
  }
  await writeFile(BENCH_DOC, await renderPage(await readFile(BENCH_DOC, 'utf8'), r, resultsFile));
  return written;
}

/** The page with its tables filled from r and its scale tables from the newest scale results. */
export async function renderPage(
  doc: string,
  r: BenchResults,
  resultsFile: string,
): Promise<string> {
  const filled = fillTables(doc, benchTables(r, resultsFile));
  const scale = await latestScaleSection();
  return prettierFormat(scale ? withScaleSection(filled, scale) : filled, 'markdown');
}

/** Generated files pass the repository's format check as they are written. */
export async function prettierFormat(text: string, parser: 'markdown' | 'json'): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(path.join(projectRoot, 'package.json'))) ?? {};
  return prettier.format(text, { ...options, parser });
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist/bench/render-docs.js bench/results/<file>.json');
  const r = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  // Verdicts are derived from the measured figures: re-judged with the current wording.
  r.targets = [...judgeTargets(targetInputOf(r)), ...judgeEngineTargets(r)];
  await writeFile(file, await prettierFormat(JSON.stringify(r, null, 2), 'json'));
  const written = await renderDocs(r, path.relative(projectRoot, path.resolve(file)));
  console.log(written.join('\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
