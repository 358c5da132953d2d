// `elo pipeline …` (start, watch, audit runs) and `elo schedule …`. Workers are their own
// entry points (dist/workers/{cpu,gpu,all}.js, `npm run worker -- <role>`).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import { Client as TemporalClient } from '@temporalio/client';
import type { Command } from 'commander';
import { stageCatalog } from '../../pipeline/catalog.js';
import { DagSpecSchema, validateDag, type DagSpec } from '../../pipeline/dag.js';
import { describeRun } from '../../pipeline/describe-run.js';
import { startRun } from '../../pipeline/run-client.js';
import * as schedules from '../../pipeline/schedules.js';
import { formatTimeline, historyToTimeline } from '../../pipeline/timeline.js';
import { defaultStoreUri } from '../../storage/open-store.js';
import { connectClient, temporalEnv } from '../../pipeline/temporal-connection.js';
import { UsageError } from '../errors.js';

async function readDag(file: string): Promise<DagSpec> {
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`cannot read ${file}: ${err.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  validateDag(json, stageCatalog); // one error listing every problem
  return DagSpecSchema.parse(json);
}

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const env = temporalEnv();
  const connection = await connectClient(env);
  try {
    return await fn(new TemporalClient({ connection, namespace: env.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}

/** The store as a URI the workers can open: local paths become absolute file:// URIs. */
function storeUriOf(store: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(store) ? store : pathToFileURL(path.resolve(store)).href;
}

/** Task queues as the workers name them (ELO_CPU_QUEUE / ELO_GPU_QUEUE), else the defaults. */
function taskQueues() {
  const cpu = process.env['ELO_CPU_QUEUE'];
  const gpu = process.env['ELO_GPU_QUEUE'];
  return { ...(cpu ? { cpu } : {}), ...(gpu ? { gpu } : {}) };
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

function registerRunCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('run DAGs of stages on Temporal');

  pipeline
    .command('validate <dag.json>')
    .description('check a DAG spec against the stage catalog; lists every problem')
    .action(async (file: string) => {
      const dag = await readDag(file);
      console.log(`${file}: DAG "${dag.name}" is valid (${dag.nodes.length} nodes)`);
    });

  pipeline
    .command('start <dag.json>')
    .description('start a run (the workflow id is the run name); prints the run name')
    .requiredOption('--run <name>', 'run name (outputs go under runs/<name>/)')
    .option('--store <uri>', 'store URI (default: $ELO_STORE or ./runs)')
    .option('--no-cache', 'run every node even where a cached result exists')
    .option('--max-parallel <n>', 'nodes running at once', '4')
    .option('--target-language <code>', 'search attribute EloTargetLanguage')
    .option('--base-model <name>', 'search attribute EloBaseModel')
    .option('--wait', 'wait for the run to end and print its node table')
    .action(async (file: string, opts: Record<string, string | boolean | undefined>) => {
      const dag = await readDag(file);
      const maxParallel = Number(opts['maxParallel']);
      if (!Number.isInteger(maxParallel) || maxParallel < 1) {
        throw new UsageError(
          `--max-parallel ${String(opts['maxParallel'])}: expected an integer ≥ 1`,
        );
      }
      const storeUri = (opts['store'] as string | undefined) ?? defaultStoreUri();
      await withClient(async (client) => {
        const handle = await startRun(client, {
          runName: opts['run'] as string,
          dag,
          storeUri: storeUriOf(storeUri),
          config: { dag },
          taskQueues: taskQueues(),
          useCache: opts['cache'] !== false,
          maxParallel,
          ...(opts['targetLanguage'] ? { targetLanguage: opts['targetLanguage'] as string } : {}),
          ...(opts['baseModel'] ? { baseModel: opts['baseModel'] as string } : {}),
        });
        console.log(handle.workflowId);
        if (opts['wait']) print(await handle.result());
      });
    });

  pipeline
    .command('status <run>')
    .description('node table with live step/loss/throughput of running stages')
    .option('--json', 'print JSON')
    .action(async (run: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const d = await describeRun(client, run);
        if (opts.json) return print(d);
        console.log(`${d.runName} (${d.dagName}): ${d.status}`);
        for (const n of d.nodes) {
          const p = n.live?.progress;
          const live = p
            ? `  step ${p.step} loss ${p.loss?.toFixed(4)} ${Math.round(p.tokensPerSec ?? 0)} tok/s`
            : '';
          console.log(
            `  ${n.id.padEnd(16)} ${n.stage.padEnd(20)} ${n.state.padEnd(10)} ` +
              `attempts ${n.live?.attempt ?? n.attempts}${live}${n.error ? `  ${n.error}` : ''}`,
          );
        }
      });
    });

  pipeline
    .command('timeline <run>')
    .description("the run's stage timeline from its Temporal event history")
    .action(async (run: string) => {
      await withClient(async (client) => {
        const history = await client.workflow.getHandle(run).fetchHistory();
        console.log(formatTimeline(historyToTimeline(history)));
      });
    });

  pipeline
    .command('cancel <run>')
    .description('cancel a run: training stages checkpoint, nodes end cancelled')
    .action(async (run: string) => {
      await withClient((client) => client.workflow.getHandle(run).cancel());
      console.log(`cancellation requested for ${run}`);
    });
}

function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('Temporal Schedules that start runs');
  schedule
    .command('create <id> <dag.json>')
    .description('start the DAG on an interval or cron calendar (overlap: skip by default)')
    .option('--every <interval>', "interval, e.g. '1 day' or '6h'")
    .option('--cron <expression>', "cron expression, e.g. '0 3 * * *'")
    .option('--store <uri>', 'store URI (default: $ELO_STORE or ./runs)')
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
        const dag = await readDag(file);
        const storeUri = (opts['store'] as string | undefined) ?? defaultStoreUri();
        await withClient((client) =>
          schedules.createPipelineSchedule(client, {
            scheduleId: id,
            run: {
              dag,
              storeUri: storeUriOf(storeUri),
              config: { dag },
              taskQueues: taskQueues(),
            },
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
  schedule.command('list').action(async () => {
    await withClient(async (client) => {
      for (const s of await schedules.listPipelineSchedules(client)) {
        console.log(
          `${s.scheduleId}\t${s.state.paused ? 'paused' : 'active'}\t${s.memo?.['pipeline'] ?? ''}`,
        );
      }
    });
  });
  schedule.command('describe <id>').action(async (id: string) => {
    await withClient(async (client) => print(await schedules.describePipelineSchedule(client, id)));
  });
  for (const [name, fn] of [
    ['pause', schedules.pausePipelineSchedule],
    ['unpause', schedules.unpausePipelineSchedule],
    ['trigger', schedules.triggerPipelineSchedule],
    ['delete', schedules.deletePipelineSchedule],
  ] as const) {
    schedule.command(`${name} <id>`).action(async (id: string) => {
      await withClient((client) => fn(client, id));
      console.log(`schedule ${id}: ${name} done`);
    });
  }
}

export function registerPipelineCommands(program: Command): void {
  registerRunCommands(program);
  registerScheduleCommands(program);
}
