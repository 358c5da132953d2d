// `elo schedule create|list|describe|pause|unpause|trigger|delete`: Temporal Schedules that start
// runs of a config on a calendar. Policies are always sent explicitly (overlap, catch-up window,
// pause on failure); audit scheduled runs through `elo runs` and run.json, not schedule notes.
import type { Command } from 'commander';
import * as schedules from '../../client/schedules.js';
import { printJson, storeUriOf, taskQueues, withClient } from '../client.js';
import { UsageError } from '../errors.js';
import { loadRunSource, runRequestOf } from '../run-source.js';

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('Temporal Schedules that start runs');
  schedule
    .command('create <id> <config>')
    .description('start the config on an interval or cron calendar (overlap: skip by default)')
    .option('--every <interval>', "interval, e.g. '1 day' or '6h'")
    .option('--cron <expression>', "cron expression, e.g. '0 3 * * *'")
    .option(
      '--overlap <policy>',
      'skip | buffer-one | buffer-all | cancel-other | allow-all',
      'skip',
    )
    .option('--catchup-window <duration>', 'how late a missed run may still start', '10 minutes')
    .option('--no-pause-on-failure', 'keep firing after a failed run')
    .action(
      async (id: string, file: string, opts: Record<string, string | boolean | undefined>) => {
        if (!opts['every'] === !opts['cron'])
          throw new UsageError('give exactly one of --every and --cron');
        const overlaps = ['skip', 'buffer-one', 'buffer-all', 'cancel-other', 'allow-all'];
        if (!overlaps.includes(opts['overlap'] as string))
          throw new UsageError(
            `--overlap ${String(opts['overlap'])}: expected ${overlaps.join(' | ')}`,
          );
        const s = await loadRunSource(file);
        await withClient((client) =>
          schedules.createPipelineSchedule(client, {
            scheduleId: id,
            // Each scheduled run is named by the schedule, not by the config.
            run: withoutRunName(
              runRequestOf(s, {
                storeUri: storeUriOf(s.store ?? process.env['ELO_STORE']),
                taskQueues: taskQueues(),
              }),
            ),
            spec: opts['every']
              ? { intervals: [{ every: opts['every'] as string }] }
              : { cronExpressions: [opts['cron'] as string] },
            overlap: opts['overlap'] as schedules.OverlapPolicy,
            catchupWindow: opts['catchupWindow'] as string,
            pauseOnFailure: opts['pauseOnFailure'] !== false,
          }),
        );
        console.log(`schedule ${id} created`);
      },
    );
  schedule
    .command('list')
    .description('schedules that start pipeline runs')
    .option('--json', 'JSON: [{id, state, pipeline, storeUri, nextRunAt, recentRuns}]')
    .action(async (opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const list = (await schedules.listPipelineSchedules(client)).map((s) => ({
          id: s.scheduleId,
          state: s.state.paused ? 'paused' : 'active',
          pipeline: (s.memo?.['pipeline'] as string | undefined) ?? null,
          storeUri: (s.memo?.['storeUri'] as string | undefined) ?? null,
          nextRunAt: s.info?.nextActionTimes?.[0]?.toISOString() ?? null,
          recentRuns: (s.info?.recentActions ?? []).map((a) => ({
            scheduledAt: a.scheduledAt.toISOString(),
            workflowId: a.action.workflow.workflowId,
          })),
        }));
        if (opts.json) return printJson(list);
        for (const s of list) console.log(`${s.id}\t${s.state}\t${s.pipeline ?? ''}`);
      });
    });
  schedule
    .command('describe <id>')
    .description('the schedule as Temporal holds it (JSON)')
    .action(async (id: string) => {
      await withClient(async (client) =>
        printJson(await schedules.describePipelineSchedule(client, id)),
      );
    });
  for (const [name, fn, what] of [
    ['pause', schedules.pausePipelineSchedule, 'stop firing until unpaused'],
    ['unpause', schedules.unpausePipelineSchedule, 'fire again on the calendar'],
    ['trigger', schedules.triggerPipelineSchedule, 'start a run now (overlap policy applies)'],
    ['delete', schedules.deletePipelineSchedule, 'delete the schedule; its runs go on'],
  ] as const) {
    schedule
      .command(`${name} <id>`)
      .description(what)
      .action(async (id: string) => {
        await withClient((client) => fn(client, id));
        console.log(`schedule ${id}: ${name} done`);
      });
  }
}

function withoutRunName<T extends { runName: string }>(req: T): Omit<T, 'runName'> {
  const { runName: _name, ...rest } = req;
  return rest;
}
