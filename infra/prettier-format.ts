// Files the project generates (bench results and docs, recorded histories) pass the repository's
// format check as they are written.
import path from 'node:path';
import { projectRoot } from './project-paths.js';

export async function prettierFormat(text: string, parser: 'markdown' | 'json'): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(path.join(projectRoot, 'package.json'))) ?? {};
  return prettier.format(text, { ...options, parser });
}
