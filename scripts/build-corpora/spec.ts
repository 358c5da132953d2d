// The shape of corpora.json: everything the build knows about languages and sources is there.
import fs from 'node:fs/promises';
import { z } from 'zod';

const language = z.object({
  code: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/),
  name: z.string(),
  scripts: z.array(z.string()).min(1),
});

const pkg = z.object({
  id: z.string(),
  registry: z.enum(['debian', 'npm']),
  name: z.string(),
  version: z.string(),
  license: z.string(),
  copyright: z.string(),
  homepage: z.string(),
});

const htmlFiles = z.object({
  kind: z.literal('html-files'),
  package: z.string(),
  dir: z.string(),
  /** Just these files (names in `dir`); default every *.html below `dir`. */
  files: z.array(z.string()).optional(),
  rootId: z.string().optional(),
  skipClasses: z.array(z.string()).optional(),
});

const jsonFiles = z.object({
  kind: z.literal('json-files'),
  package: z.string(),
  dir: z.string(),
  textField: z.string(),
  /** File name order; `descending` takes the newest dated files first. */
  order: z.enum(['ascending', 'descending']),
  /** Stop adding documents from this source past this many UTF-8 bytes. */
  maxBytes: z.number().int().positive().optional(),
  /** Removed from the text (regular expression, global). */
  dropPattern: z.string().optional(),
});

export const sourceSchema = z.discriminatedUnion('kind', [htmlFiles, jsonFiles]);
export type SourceSpec = z.infer<typeof sourceSchema>;

const output = z.object({
  lang: z.string(),
  /** `train` or `eval-<name>`: the file is data/corpora/<lang>/<split>.jsonl. */
  split: z.string().regex(/^(train|eval-[a-z0-9-]+)$/),
  /** Keep only the first occurrence of each paragraph (help pages repeat boilerplate). */
  dedupeParagraphs: z.boolean().default(false),
  sources: z.array(sourceSchema).min(1),
});

export const corporaSpecSchema = z.object({
  languages: z.array(language).min(1),
  paragraphFilter: z.object({
    minScriptShare: z.number().min(0).max(1),
    minLetters: z.number().int().nonnegative(),
  }),
  minDocumentChars: z.number().int().nonnegative(),
  packages: z.array(pkg).min(1),
  outputs: z.array(output).min(1),
});
export type CorporaSpec = z.infer<typeof corporaSpecSchema>;
export type PackageSpec = z.infer<typeof pkg>;

export async function loadSpec(file: string): Promise<CorporaSpec> {
  const r = corporaSpecSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${file}: ${i.path.join('.')}: ${i.message}`);
  }
  const spec = r.data;
  const langs = new Set(spec.languages.map((l) => l.code));
  const pkgs = new Set(spec.packages.map((p) => p.id));
  for (const [i, o] of spec.outputs.entries()) {
    if (!langs.has(o.lang)) throw new Error(`${file}: outputs.${i}.lang: unknown "${o.lang}"`);
    for (const [j, s] of o.sources.entries()) {
      if (!pkgs.has(s.package)) {
        throw new Error(`${file}: outputs.${i}.sources.${j}.package: unknown "${s.package}"`);
      }
    }
  }
  return spec;
}
