// Shared test helpers for dataprep/: the repo's data folder, temp dirs and small generated
// corpora in several scripts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng, withTempDir } from '../formats/helpers.js';

export { prng, withTempDir };

/** The repository root (tests run from dist/test/unit/data). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const TOKENIZER = path.join(REPO, 'data/tokenizer');
export const CORPORA = path.join(REPO, 'data/corpora');

const WORDS: Record<string, string[]> = {
  en: ['the', 'document', 'select', 'window', 'right', 'freedom', 'table', 'open', 'every', 'person'],
  ko: ['문서', '선택', '자유', '권리', '모든', '사람', '편집', '개체', '그룹', '세계', '평화'],
  ja: ['文書', 'を', '選択', 'します', '自由', 'と', '権利', 'すべて', 'の', '人', 'ウィンドウ'],
};

/** `n` distinct documents of about `words` words each in `lang` (seeded). */
export function makeDocs(lang: string, n: number, words: number, seed: number): string[] {
  const rand = prng(seed);
  const list = WORDS[lang]!;
  const sep = lang === 'ja' ? '' : ' ';
  return Array.from({ length: n }, (_, i) => {
    const w = Array.from({ length: words }, () => list[Math.floor(rand() * list.length)]!);
    return `${lang} ${i}: ${w.join(sep)}.`;
  });
}

export async function writeJsonl(file: string, docs: string[], field = 'text'): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, docs.map((d) => JSON.stringify({ [field]: d }) + '\n').join(''));
}
