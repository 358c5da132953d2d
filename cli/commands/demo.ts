// `elo demo` (what `npm start` runs): the ELO DAG plus the full-CP baseline on embedded defaults —
// the local dev server persisted in .temporal/, a worker process, the ./runs store, the shipped
// corpora and base model — with live progress, then the results table and the report's path.
// Run again, every stage is served from the cache.
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Command } from 'commander';
import { projectRoot } from '../../infra/project-paths.js';
import type { DevServer } from '../../infra/temporal-dev-server.js';
import { startRun } from '../../pipeline/run-client.js';
import { printOutcome } from './runs.js';
import { storeUriOf, taskQueues, withClient } from '../client.js';
import { RunNotCompletedError, throwUnlessCompleted } from '../errors.js';
import { loadRunSource, runRequestOf } from '../run-source.js';
import { watchRun } from '../watch.js';
import { spawnWorker, startLocalServer } from './services.js';

export const DEMO_CONFIG = path.join(projectRoot, 'examples', 'demo.yaml');

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run the ELO demo end to end on embedded defaults (examples/demo.yaml; ' +
        'a local dev server unless --address or $TEMPORAL_ADDRESS is set)',
    )
    .option('--config <file>', 'another run config', DEMO_CONFIG)
    .option('--no-cache', 'run every stage even where a cached result exists')
    .action(async (opts: { config: string; cache: boolean }) => {
      const t0 = Date.now();
      const s = await loadRunSource(opts.config); // bad config: fail before starting anything
      let server: DevServer | undefined;
      if (!process.env['TEMPORAL_ADDRESS']) {
        console.log('starting the local Temporal dev server (.temporal/dev.db)…');
        server = await startLocalServer((line) => console.log(line));
        process.env['TEMPORAL_ADDRESS'] = server.address;
        console.log(`Temporal ${server.address}; Web UI ${server.uiUrl ?? '(off)'}`);
      }
      const logFile = path.join(projectRoot, '.temporal', 'demo-worker.log');
      const fd = openSync(logFile, 'a');
      const worker = spawnWorker('all', fd);
      let workerExit: string | undefined;
      worker.on('exit', (code, signal) => {
        workerExit = `the worker exited (${signal ?? code}); see ${logFile}`;
      });
      try {
        await withClient(async (client) => {
          const store = s.store ?? process.env['ELO_STORE'] ?? path.join(projectRoot, 'runs');
          try {
            await startRun(
              client,
              runRequestOf(s, {
                storeUri: storeUriOf(store),
                taskQueues: taskQueues(),
                useCache: opts.cache,
              }),
            );
            console.log(`run ${s.runName} started (store ${store}; worker log ${logFile})`);
          } catch (err) {
            // A demo still running (e.g. from an interrupted `npm start`): follow it.
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
            console.log(`run ${s.runName} is already running: following it`);
          }
          const d = await watchRun(client, s.runName);
          printOutcome(d);
          console.log(
            `\n${s.runName}: ${d.status.toLowerCase()} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
          );
          throwUnlessCompleted(d);
        });
      } catch (err) {
        // A run that ended badly keeps its own exit code; anything else says the worker died.
        if (err instanceof RunNotCompletedError || !workerExit) throw err;
        throw new Error(`${(err as Error).message} (${workerExit})`, { cause: err });
      } finally {
        worker.kill('SIGTERM');
        await new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once('exit', r)));
        closeSync(fd);
        await server?.stop();
      }
    });
}
