// Prints the corpus table of docs/data.md (documents, bytes, tokens, tokens per byte per file)
// from data/corpora/stats.json and the shipped tokenizer:  npm run data:table
import fs from 'node:fs/promises';
import path from 'node:path';
import { HfTokenizer } from '../formats/index.js';

interface Stats {
  files: { lang: string; split: string; file: string; documents: number; bytes: number }[];
}

async function main(): Promise<void> {
  const corpora = path.resolve('data/corpora');
  const stats = JSON.parse(await fs.readFile(path.join(corpora, 'stats.json'), 'utf8')) as Stats;
  const tok = await HfTokenizer.load(path.resolve('data/tokenizer'));
  const rows = [
    '| lang | split | documents | UTF-8 bytes | tokens | tokens/byte |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const f of stats.files) {
    const lines = (await fs.readFile(path.join(corpora, f.file), 'utf8')).split('\n');
    let tokens = 0;
    for (const l of lines)
      if (l) tokens += tok.encode((JSON.parse(l) as { text: string }).text).length;
    rows.push(
      `| ${f.lang} | ${f.split} | ${f.documents} | ${f.bytes} | ${tokens} | ${(tokens / f.bytes).toFixed(3)} |`,
    );
  }
  console.log(rows.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
