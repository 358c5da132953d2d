// `elo demo` (what `npm start` runs): the ELO DAG plus the full-CP baseline on embedded defaults —
// the local dev server persisted in .temporal/, a worker process (watched: restarted if it dies),
// the ./runs store, the shipped corpora and base model — with live progress, then the results
// table and the report's path. Other runs left open in the server are named first. Run again,
// every stage is served from the cache.
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { projectRoot } from '../../infra/project-paths.js';
import type { DevServer } from '../../infra/temporal-dev-server.js';
import { fleetSnapshot } from '../../client/fleet.js';
import { startRun } from '../../client/run-client.js';
import { TASK_QUEUES } from '../../pipeline/task-queues.js';
import { printOutcome } from './runs.js';
import { storeUriOf, taskQueues, withClient } from '../client.js';
import { throwUnlessCompleted } from '../errors.js';
import { otherRuns, otherRunsLines } from '../other-runs.js';
import { loadRunSource, runRequestOf } from '../run-source.js';
import { engineBackendLine, SupervisedWorker } from '../supervised-worker.js';
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
    .option('--cancel-others', 'cancel the other runs still open in the server before starting')
    .action(async (opts: { config: string; cache: boolean; cancelOthers?: boolean }) => {
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
      // .temporal/ exists only once the local server ran: not when --address names another one.
      mkdirSync(path.dirname(logFile), { recursive: true });
      const fd = openSync(logFile, 'a');
      const logStart = fstatSync(fd).size;
      const worker = new SupervisedWorker({
        spawn: () => spawnWorker('all', fd),
        logFile,
        runName: s.runName,
      });
      try {
        await withClient(async (client) => {
          await sayOtherRuns(client, s.runName, opts.cancelOthers === true);
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
          const d = await watchRun(client, s.runName, {
            queues: taskQueues(),
            notices: () => worker.notices(),
            stop: () => worker.failure(),
          });
          const engine = await engineBackendLine(logFile, logStart);
          if (engine) console.log(`\nworker ${engine}`);
          printOutcome(d);
          console.log(
            `\n${s.runName}: ${d.status.toLowerCase()} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
          );
          throwUnlessCompleted(d);
        });
      } finally {
        for (const line of worker.notices()) console.log(line);
        await worker.stop();
        closeSync(fd);
        await server?.stop();
      }
    });
}

/** Names the other open runs the demo's worker will serve too; cancels them if asked. */
async function sayOtherRuns(client: Client, ownRun: string, cancel: boolean): Promise<void> {
  const fleet = await fleetSnapshot(client, { queues: taskQueues() });
  const cpu = taskQueues().cpu ?? TASK_QUEUES.cpu;
  const others = otherRuns(fleet, ownRun, cpu);
  if (others.length === 0) return;
  if (!cancel) {
    for (const line of otherRunsLines(fleet, ownRun, cpu, process.env['TEMPORAL_ADDRESS']))
      console.log(line);
    return;
  }
  for (const r of others) {
    await client.workflow.getHandle(r.workflowId).cancel();
    console.log(`cancellation requested for ${r.run} (--cancel-others)`);
  }
}
