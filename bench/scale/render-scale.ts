// The scale section of docs/benchmarks.md, from the newest bench/results/*-scale.json: written by
// `npm run bench -- --only scale` between its markers, and kept by the full page's renderer.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../../engine/memory-model.js';
import { projectRoot } from '../../infra/project-paths.js';
import type { ScaleResults } from './scale.js';

export const SCALE_BEGIN = '<!-- scale:begin (npm run bench -- --only scale) -->';
export const SCALE_END = '<!-- scale:end -->';

const gb = (n: number) => (n / 1e9).toFixed(2);
const pct = (est: number, measured: number) =>
  `${est >= measured ? '+' : ''}${(((est - measured) / measured) * 100).toFixed(0)}%`;

export function renderScale(r: ScaleResults, file: string): string {
  const out: string[] = [SCALE_BEGIN, '', '## 6. Real LLM sizes (scale)', ''];
  out.push(
    `_From [\`${file}\`](../${file}) (${r.date.slice(0, 10)}, backend \`${r.backend}\`, machine memory ${formatBytes(r.machineMemoryBytes)}, 2 cores shared with other jobs)._`,
    '',
    'Random-weight folders in Hugging Face’s exact layout (BF16, sharded as the models ship, `config.json` without `architectures`), made by `bench/scale/make-shape.ts` and deleted after. Each stage runs in its own child process: wall time and the kernel’s peak RSS (VmHWM) are that stage’s alone. The estimate is the memory model’s peak (`engine/memory-model.ts`), the number a worker admits the stage by. ' +
      `Evaluation: ${r.settings.eval.tokens} tokens in batches of ${r.settings.eval.batchSize} x ${r.settings.eval.seqLen}, layer by layer; ELO: λ = {first, last}, ${r.settings.steps} steps of ${r.settings.train.batchSize} x ${r.settings.train.seqLen} tokens.`,
    '',
  );
  for (const s of r.shapes) {
    out.push(
      `### ${s.shape} (${(s.params / 1e9).toFixed(2)}B parameters; ${s.files.count} file(s), ${formatBytes(s.files.bytes)}, made in ${(s.files.makeMs / 1000).toFixed(0)} s)`,
      '',
      '| stage | wall s | peak RSS GB | estimate GB | estimate vs measured |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const st of s.stages) {
      if (st.skipped) {
        out.push(`| ${st.stage} | not run | | ${gb(st.estimateBytes ?? 0)} | ${st.skipped} |`);
        continue;
      }
      out.push(
        `| ${st.stage} | ${(st.wallMs / 1000).toFixed(1)} | ${gb(st.peakRssBytes)} | ${st.estimateBytes === null ? '' : gb(st.estimateBytes)} | ${st.estimateBytes === null ? '' : pct(st.estimateBytes, st.peakRssBytes)} |`,
      );
    }
    out.push('');
    if (s.elo.stepMs > 0)
      out.push(
        `ELO step (detached {first, last}, embeddings and head frozen): **${(s.elo.stepMs / 1000).toFixed(1)} s** per ${s.elo.tokensPerStep}-token step, **${s.elo.tokensPerSec.toFixed(0)} tokens/s**.`,
        '',
      );
    out.push(
      s.fullCp.refusal
        ? `Full CP, refused by the memory model before it loads anything: _“${s.fullCp.refusal}”_`
        : `Full CP would need ${formatBytes(s.fullCp.estimateBytes)}; it fits this machine’s ${formatBytes(s.fullCp.budgetBytes)}.`,
      '',
    );
  }
  const p = r.paper;
  out.push(
    `### On paper: ${p.model} (${(p.params / 1e9).toFixed(2)}B) on one GPU`,
    '',
    `Memory: ${p.assumptions}.`,
    '',
    '| GPU | method | memory needed | fits | PFLOP per 1B tokens | hours per 1B tokens |',
    '| --- | --- | ---: | :---: | ---: | ---: |',
    ...p.rows.map(
      (row) =>
        `| ${row.gpu} | ${row.method} | ${formatBytes(row.estimateBytes)} | ${row.fits ? 'yes' : 'no'} | ${(row.flopsPer1BTokens / 1e15).toFixed(0)} | ${row.fits ? row.hoursPer1BTokens.toFixed(1) : `(${row.hoursPer1BTokens.toFixed(1)} if it fit)`} |`,
    ),
    '',
    SCALE_END,
  );
  return out.join('\n');
}

/** The newest scale results, rendered; '' when the bench never ran. */
export async function latestScaleSection(): Promise<string> {
  const dir = path.join(projectRoot, 'bench', 'results');
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('-scale.json'))
    .sort();
  const last = files.at(-1);
  if (!last) return '';
  const r = JSON.parse(await readFile(path.join(dir, last), 'utf8')) as ScaleResults;
  return renderScale(r, `bench/results/${last}`);
}

/** Replaces the scale section of docs/benchmarks.md (or puts it before "## Reproduce"). */
export async function spliceScaleSection(section: string): Promise<void> {
  const file = path.join(projectRoot, 'docs', 'benchmarks.md');
  const doc = await readFile(file, 'utf8');
  const a = doc.indexOf(SCALE_BEGIN);
  const b = doc.indexOf(SCALE_END);
  const next =
    a >= 0 && b > a
      ? doc.slice(0, a) + section + doc.slice(b + SCALE_END.length)
      : doc.replace('## Reproduce', `${section}\n\n## Reproduce`);
  await writeFile(file, next);
}
