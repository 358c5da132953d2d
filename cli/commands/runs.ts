// `elo validate|run|watch|runs|show|history|cancel|report`: starting runs and auditing them.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { describeRun, type RunDescription } from '../../client/describe-run.js';
import { startRun } from '../../client/run-client.js';
import { formatTimeline, historyToTimeline } from '../../client/timeline.js';
import { printJson, storeUriOf, taskQueues, withClient } from '../client.js';
import { coveragePreflight } from '../coverage-preflight.js';
import { throwUnlessCompleted, UsageError } from '../errors.js';
import { reportLocation, resultsTable } from '../results.js';
import { loadRunSource, runRequestOf } from '../run-source.js';
import type { WaitReason } from '../../client/stage-wait.js';
import { runLines, stageReasons, watchRun } from '../watch.js';

/** `elo show --json`: stable field names (docs/elo-pipeline.md). */
export function showJson(d: RunDescription, reasons: Map<string, WaitReason> = new Map()) {
  return {
    run: d.runName,
    workflowId: d.workflowId,
    pipeline: d.dagName,
    status: d.status.toLowerCase(),
    startedAt: d.startTime.toISOString(),
    closedAt: d.closeTime?.toISOString() ?? null,
    nodes: d.nodes.map((n) => ({
      id: n.id,
      stage: n.stage,
      state: n.state,
      attempts: n.live?.attempt ?? n.attempts,
      startedAt: n.startedAt ? new Date(n.startedAt).toISOString() : null,
      endedAt: n.endedAt ? new Date(n.endedAt).toISOString() : null,
      cacheKey: n.cacheKey ?? null,
      outputs: Object.fromEntries(Object.entries(n.outputs).map(([k, r]) => [k, r.uri])),
      metrics: n.metrics,
      progress: n.live?.progress ?? null,
      worker: n.live?.worker ?? null,
      wait: reasons.get(n.id) ?? null,
      error: n.error ?? null,
    })),
    report: reportLocation(d.nodes)?.html ?? null,
  };
}

/** Prints how a finished run went: the node table, results, the report's path. */
export function printOutcome(d: RunDescription): void {
  const table = resultsTable(d.nodes);
  if (table) console.log('\n' + table);
  const report = reportLocation(d.nodes);
  if (report) console.log(`\nreport: ${report.html}\n        ${report.markdown}`);
  if (d.status !== 'COMPLETED') {
    for (const n of d.nodes.filter((x) => x.error)) console.log(`${n.id}: ${n.error}`);
  }
}

const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed-out'];
const STATUS_QUERY: Record<string, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
};

/** Visibility query of `elo runs`; values are quoted, so a filter cannot inject a clause. */
export function runsQuery(f: {
  status?: string;
  target?: string;
  base?: string;
  pipeline?: string;
}) {
  const q = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
  const clauses = ["WorkflowType = 'runPipeline'"];
  if (f.status) {
    const status = STATUS_QUERY[f.status];
    if (!status)
      throw new UsageError(`--status ${f.status}: expected one of ${RUN_STATUSES.join(', ')}`);
    clauses.push(`ExecutionStatus = ${q(status)}`);
  }
  if (f.target) clauses.push(`EloTargetLanguage = ${q(f.target)}`);
  if (f.base) clauses.push(`EloBaseModel = ${q(f.base)}`);
  if (f.pipeline) clauses.push(`EloPipeline = ${q(f.pipeline)}`);
  return clauses.join(' AND ');
}

async function listRuns(client: Client, query: string, limit: number) {
  const out = [];
  for await (const wf of client.workflow.list({ query })) {
    const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
    const first = (k: string) => (sa[k]?.[0] as string | undefined) ?? null;
    out.push({
      run: first('EloRunName') ?? wf.workflowId,
      workflowId: wf.workflowId,
      pipeline: first('EloPipeline'),
      status: wf.status.name.toLowerCase(),
      target: first('EloTargetLanguage'),
      base: first('EloBaseModel'),
      configHash: first('EloConfigHash'),
      startedAt: wf.startTime.toISOString(),
      closedAt: wf.closeTime?.toISOString() ?? null,
    });
    if (out.length >= limit) break;
  }
  return out;
}

export function registerRunsCommands(program: Command): void {
  program
    .command('validate <config>')
    .description('check a run config (YAML/JSON) or DAG spec; lists every problem, starts nothing')
    .action(async (file: string) => {
      const s = await loadRunSource(file);
      console.log(
        `${file}: valid; run "${s.runName}", DAG "${s.dag.name}" with ${s.dag.nodes.length} nodes:`,
      );
      for (const n of s.dag.nodes) console.log(`  ${n.id} (${n.stage})`);
      if (s.runConfig)
        for (const line of (await coveragePreflight(s.runConfig)).lines) console.log(line);
    });

  program
    .command('run <config>')
    .description('start a run of a config (the workflow id is the run name); prints its name')
    .option('--name <run>', "run name (default: the config's name)")
    .option('--watch', 'show live progress until the run ends, then the results')
    .option('--no-cache', 'run every node even where a cached result exists')
    .action(async (file: string, opts: { name?: string; watch?: boolean; cache: boolean }) => {
      const s = await loadRunSource(file, opts.name);
      // Before anything trains: a target the base has essentially not seen is said now.
      if (s.runConfig)
        for (const line of (await coveragePreflight(s.runConfig)).lines) console.error(line);
      await withClient(async (client) => {
        const handle = await startRun(
          client,
          runRequestOf(s, {
            storeUri: storeUriOf(s.store ?? process.env['ELO_STORE']),
            taskQueues: taskQueues(),
            useCache: opts.cache,
          }),
        );
        console.log(handle.workflowId);
        if (!opts.watch) return;
        const d = await watchRun(client, handle.workflowId, { queues: taskQueues() });
        printOutcome(d);
        throwUnlessCompleted(d);
      });
    });

  program
    .command('watch <run>')
    .description('live progress: stage, step/total, loss, tokens/s, ETA; then the results')
    .action(async (run: string) => {
      await withClient(async (client) => {
        const d = await watchRun(client, run, { queues: taskQueues() });
        printOutcome(d);
        throwUnlessCompleted(d);
      });
    });

  program
    .command('runs')
    .description('list pipeline runs, newest first (search attributes)')
    .option('--status <status>', RUN_STATUSES.join(' | '))
    .option('--target <lang>', 'target language (EloTargetLanguage)')
    .option('--base <model>', 'base model (EloBaseModel)')
    .option('--pipeline <name>', 'DAG name (EloPipeline): elo, base-pretrain, …')
    .option('--limit <n>', 'at most this many', '50')
    .option(
      '--json',
      'JSON: [{run, workflowId, pipeline, status, target, base, configHash, startedAt, closedAt}]',
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const limit = Number(opts['limit']);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit ${String(opts['limit'])}: expected an integer ≥ 1`);
      const query = runsQuery(opts as Parameters<typeof runsQuery>[0]);
      await withClient(async (client) => {
        const runs = await listRuns(client, query, limit);
        if (opts['json']) return printJson(runs);
        if (runs.length === 0) return console.log('no runs');
        for (const r of runs) {
          console.log(
            `${r.run.padEnd(24)} ${(r.pipeline ?? '').padEnd(14)} ${r.status.padEnd(10)} ` +
              `${(r.target ?? '').padEnd(4)} ${r.startedAt}  ${r.base ?? ''}`,
          );
        }
      });
    });

  program
    .command('show <run>')
    .description('a run: node table with states, attempts, metrics, live progress, report')
    .option('--json', 'JSON (fields in docs/elo-pipeline.md)')
    .action(async (run: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const d = await describeRun(client, run);
        const reasons = await stageReasons(client, taskQueues())(d);
        if (opts.json) return printJson(showJson(d, reasons));
        console.log(runLines(d, reasons).join('\n'));
        printOutcome(d);
      });
    });

  program
    .command('history <run>')
    .description("the run's audit timeline from its Temporal event history")
    .option('--json', 'JSON: {run, workflowType, status, startedAt, endedAt, events[], nodes[]}')
    .action(async (run: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const t = historyToTimeline(await client.workflow.getHandle(run).fetchHistory());
        if (!opts.json) return console.log(formatTimeline(t));
        printJson({
          run,
          workflowType: t.workflowType,
          status: t.status,
          startedAt: t.startedAt?.toISOString() ?? null,
          endedAt: t.endedAt?.toISOString() ?? null,
          events: t.entries.map((e) => ({
            time: e.time.toISOString(),
            node: e.node,
            stage: e.stage,
            kind: e.kind,
            attempt: e.attempt ?? null,
            detail: e.detail ?? null,
          })),
          nodes: t.nodes.map((n) => ({
            node: n.node,
            stage: n.stage,
            outcome: n.outcome,
            attempts: n.attempts,
            firstAt: n.firstAt.toISOString(),
            lastAt: n.lastAt.toISOString(),
          })),
        });
      });
    });

  program
    .command('cancel <run>')
    .description('cancel a run: training stages checkpoint, nodes end cancelled')
    .action(async (run: string) => {
      await withClient((client) => client.workflow.getHandle(run).cancel());
      console.log(`cancellation requested for ${run}`);
    });

  program
    .command('report <run>')
    .description("where the run's report is: report.html, then report.md (paths or URIs)")
    .action(async (run: string) => {
      await withClient(async (client) => {
        const where = reportLocation((await describeRun(client, run)).nodes);
        if (!where)
          throw new Error(
            `run ${run} has no report yet: wait for its report node (elo watch ${run})`,
          );
        console.log(where.html);
        console.log(where.markdown);
      });
    });
}
