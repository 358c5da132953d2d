// `elo store …`: look into the artifact store and clean what crashed writers left.
import type { Command } from 'commander';
import { openStore, defaultStoreUri } from '../../storage/open-store.js';
import { UsageError } from '../errors.js';

export function registerStoreCommands(program: Command): void {
  const store = program
    .command('store')
    .description(
      'the artifact store (./runs, $ELO_STORE, or --store file:///… | s3://bucket/prefix)',
    );

  store
    .command('ls [prefix]')
    .description('list committed artifacts under a prefix')
    .option('--store <uri>', 'store URI (default: $ELO_STORE or ./runs)')
    .option('--json', 'print JSON: [{key, uri, sha256, bytes}]')
    .action(async (prefix: string | undefined, opts: { store?: string; json?: boolean }) => {
      const s = openStore(opts.store ?? defaultStoreUri());
      const keys = await s.list(prefix ?? '');
      const refs = await Promise.all(keys.map(async (key) => ({ key, ...(await s.refOf(key))! })));
      if (opts.json) console.log(JSON.stringify(refs, null, 2));
      else for (const r of refs) console.log(`${r.key}\t${r.bytes}\t${r.sha256.slice(0, 12)}`);
    });

  store
    .command('clean [prefix]')
    .description('delete files of uncommitted artifacts, temp files and open multipart uploads')
    .option('--store <uri>', 'store URI (default: $ELO_STORE or ./runs)')
    .option(
      '--older-than <minutes>',
      'spare writes younger than this (a writer may be at work)',
      '60',
    )
    .action(async (prefix: string | undefined, opts: { store?: string; olderThan: string }) => {
      const minutes = Number(opts.olderThan);
      if (!Number.isFinite(minutes) || minutes < 0) {
        throw new UsageError(`--older-than ${opts.olderThan}: expected a number of minutes ≥ 0`);
      }
      const s = openStore(opts.store ?? defaultStoreUri());
      const removed = await s.cleanUncommitted(prefix ?? '', { olderThanMs: minutes * 60_000 });
      for (const r of removed) console.log(`removed ${r}`);
      console.log(`${removed.length} uncommitted file(s) removed from ${s.rootUri}`);
    });
}
