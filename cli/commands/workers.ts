// `elo workers`: who polls each task queue, what every worker runs, what waits and why.
import type { Command } from 'commander';
import { fleetSnapshot } from '../../client/fleet.js';
import { printJson, taskQueues, withClient } from '../client.js';
import { workersJson, workersText } from '../fleet-view.js';

export function registerWorkersCommand(program: Command): void {
  program
    .command('workers')
    .description(
      'per task queue: the workers (pollers, slots, what each runs: run, node, attempt, step), ' +
        'the queued stages and why they wait, and the open runs',
    )
    .option('--json', 'JSON (fields in docs/elo-pipeline.md)')
    .action(async (opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const view = workersJson(await fleetSnapshot(client, { queues: taskQueues() }));
        if (opts.json) return printJson(view);
        console.log(workersText(view).join('\n'));
      });
    });
}
