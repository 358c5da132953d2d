/**
 * Child process for store tests: `node store-child.js <storeUri> <mode> <key> <dir> [outDir]`.
 * mode `commit` commits dir (the parent may SIGKILL it mid-way); mode `roundtrip` commits then
 * fetches into outDir and prints JSON {ref, peakExternalBytes, peakRssBytes} sampled while working.
 */
import { openStore } from '../../storage/open-store.js';

const [uri, mode, key, dir, outDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];

async function main(): Promise<void> {
  const store = openStore(uri);
  let peakExternal = 0;
  let peakRss = 0;
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage();
  // Collect first so the samples count live buffers, not garbage the GC has not reached yet.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const sampler = setInterval(() => {
    gc();
    const m = process.memoryUsage();
    peakExternal = Math.max(peakExternal, m.external - baseline.external); // includes arrayBuffers
    peakRss = Math.max(peakRss, m.rss - baseline.rss);
  }, 100);
  const ref = await store.commitFolder(key, dir, { producer: 'store-child' });
  if (mode === 'roundtrip') await store.fetchFolder(key, outDir!);
  clearInterval(sampler);
  (store as { close?: () => void }).close?.();
  console.log(JSON.stringify({ ref, peakExternalBytes: peakExternal, peakRssBytes: peakRss }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
