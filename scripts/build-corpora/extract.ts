// Source → raw documents (a list of paragraphs each), in a fixed order so output is reproducible.
import fs from 'node:fs/promises';
import path from 'node:path';
import { normalizeText, utf8Bytes } from '../../dataprep/normalize.js';
import { htmlParagraphs } from './html-paragraphs.js';
import type { SourceSpec } from './spec.js';

export interface RawDocument {
  /** `<package>:<path inside it>`. */
  id: string;
  paragraphs: string[];
}

export async function extractSource(src: SourceSpec, packageRoot: string): Promise<RawDocument[]> {
  const dir = path.join(packageRoot, src.dir);
  if (src.kind === 'html-files') {
    const files = src.files ?? (await listFiles(dir, '.html'));
    const docs: RawDocument[] = [];
    for (const rel of files) {
      const html = await fs.readFile(path.join(dir, rel), 'utf8');
      const paragraphs = htmlParagraphs(html, {
        ...(src.rootId !== undefined ? { rootId: src.rootId } : {}),
        ...(src.skipClasses ? { skipClasses: src.skipClasses } : {}),
      }).map(normalizeText);
      docs.push({ id: `${src.package}:${path.posix.join(src.dir, rel)}`, paragraphs });
    }
    return docs;
  }
  const files = await listFiles(dir, '.json');
  if (src.order === 'descending') files.reverse();
  const drop = src.dropPattern ? new RegExp(src.dropPattern, 'gu') : undefined;
  const docs: RawDocument[] = [];
  let bytes = 0;
  for (const rel of files) {
    if (src.maxBytes !== undefined && bytes >= src.maxBytes) break;
    const json = JSON.parse(await fs.readFile(path.join(dir, rel), 'utf8')) as Record<
      string,
      unknown
    >;
    const value = json[src.textField];
    if (typeof value !== 'string') throw new Error(`${rel}: no string field "${src.textField}"`);
    const text = normalizeText(drop ? value.replace(drop, '') : value);
    bytes += utf8Bytes(text);
    docs.push({
      id: `${src.package}:${path.posix.join(src.dir, rel)}`,
      paragraphs: text.split(/\n+/),
    });
  }
  return docs;
}

/** Files under `dir` with the extension, as sorted relative POSIX paths (code-point order). */
async function listFiles(dir: string, ext: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && e.name.endsWith(ext)) out.push(r);
    }
  };
  await walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
