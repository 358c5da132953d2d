import path from 'node:path';
import { REPORT_SLOTS, reportStage } from '../../pipeline/stages/elo.js';
import { runManifestKey, type RunManifest } from '../../pipeline/run-state.js';
import { buildReport } from '../../reports/build-report.js';
import type { ReportData, TrainingRun } from '../../reports/report-data.js';
import { eloSpeedup } from '../../reports/tables.js';
import { implementStage, type StageContext } from '../stage-activity.js';
import { EVALUATION_FILE, type EvaluationFile } from './evaluate.js';
import { readJsonRef, producerOf, withScratch } from './scratch.js';
import { TRAINING_FILE } from './train.js';

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The audit timeline as run.json has it when the report runs (every other node has ended). */
async function timelineOf(ctx: StageContext<typeof reportStage>) {
  const doc = await ctx.store.readDocument(runManifestKey(ctx.run.runName));
  if (!doc) return { timeline: [], manifest: undefined };
  const manifest = JSON.parse(doc.toString('utf8')) as RunManifest;
  const timeline = manifest.nodes.map((n) => ({
    node: n.id,
    stage: n.stage,
    state: n.id === ctx.nodeId ? 'writing this report' : n.state,
    attempts: n.attempts,
    ...(iso(n.startedAt) ? { startedAt: iso(n.startedAt) } : {}),
    ...(iso(n.endedAt) ? { endedAt: iso(n.endedAt) } : {}),
    ...(n.error ? { note: n.error.slice(0, 200) } : {}),
  }));
  return { timeline, manifest };
}

/**
 * report: reads the evaluations and training metrics wired to it (any subset of the roles), the
 * run's audit timeline from run.json, and commits report.md, report.html (self-contained, SVG
 * plots inlined), the plots and report-data.json.
 */
export const reportActivity = implementStage(reportStage, async (ctx) =>
  withScratch(async (dir) => {
    const inputs = ctx.inputs as Record<string, (typeof ctx.inputs)['evalBase']>;
    const data: ReportData = {
      run: {
        name: ctx.run.runName,
        pipeline: ctx.run.dagName,
        baseModel: ctx.params.baseModel,
        targetLanguage: ctx.params.targetLanguage,
        reportedAt: new Date().toISOString(),
      },
      evaluations: [],
      training: [],
      samples: [],
      timeline: [],
    };
    for (const slot of REPORT_SLOTS.evaluations) {
      const ref = inputs[slot];
      if (!ref) continue;
      const file = await readJsonRef<EvaluationFile>(ctx.store, ref, EVALUATION_FILE);
      data.evaluations.push(...file.evaluations);
      data.samples.push(...file.samples);
    }
    for (const slot of REPORT_SLOTS.training) {
      const ref = inputs[slot];
      if (!ref) continue;
      const run = await readJsonRef<TrainingRun>(ctx.store, ref, TRAINING_FILE);
      // Alignment is a full fine-tune, but it is not the full-CP baseline the speedup is over.
      data.training.push(slot === 'trainAlign' ? { ...run, method: 'align' } : run);
    }
    const { timeline, manifest } = await timelineOf(ctx);
    data.timeline = timeline;
    if (manifest) {
      data.run.startedAt = new Date(manifest.startedAt).toISOString();
      if (manifest.audit.codeVersion) data.run.codeVersion = manifest.audit.codeVersion;
    }
    const out = path.join(dir, 'report');
    await buildReport(data, out);
    // Per attempt: the report says when it was made and how long stages took.
    const report = await ctx.store.commitFolder(ctx.attemptKey('report'), out, {
      producer: producerOf(ctx.stage),
    });
    const speedup = eloSpeedup(data);
    return {
      outputs: { report },
      metrics: {
        evaluations: data.evaluations.length,
        trainingStages: data.training.length,
        ...(speedup !== undefined ? { eloSpeedup: speedup } : {}),
      },
    };
  }),
);
