// Builds (or finds) the cached base model of a bench mode ahead of a bench run.
//   npm run build && node dist/bench/build-base.js [--full]
import { parseArgs } from 'node:util';
import { initBackend } from '../engine/backend.js';
import { baseModel } from './base-model.js';
import { benchSettings } from './bench-settings.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { full: { type: 'boolean', default: false } } });
  await initBackend();
  const settings = benchSettings(values.full ? 'full' : 'quick');
  const base = await baseModel(settings.base, (line) => console.log(line));
  console.log(`${base.cached ? 'cached' : 'built'}: ${base.dir}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
