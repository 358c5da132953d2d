import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../engine/backend.js';
import { evaluate } from '../../engine/eval.js';
import { loadModelFolder } from '../../engine/io/hf-folder.js';
import { HfModelFolder, HfTokenizer } from '../../formats/index.js';
import { buildDag } from '../../client/elo-dag.js';
import { parseRunConfig, resolveRunConfig } from '../../client/run-config.js';
import { historyToTimeline } from '../../client/timeline.js';
import type { EvaluationFile } from '../../activities/elo/evaluate.js';
import { TOKENIZER, tinyBaseModel, tinyLanguages } from '../support/elo-fixtures.js';
import { PipelineHarness } from '../support/pipeline-harness.js';
import { uniqueName } from '../support/servers.js';

describe('the ELO pipeline end to end (real Temporal server, tiny model)', () => {
  let h: PipelineHarness;
  let dir: string;
  before(async () => {
    await initBackend({ backend: 'tensorflow', log: () => {} });
    h = await PipelineHarness.open();
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'elo-e2e-'));
  });
  after(async () => {
    await h.close();
  });

  it('runs detach → elo-pretrain → reintegrate → align → evaluate, baselines and a report; re-runs from cache', async () => {
    const tokenizer = await HfTokenizer.load(TOKENIZER);
    const baseDir = await tinyBaseModel(dir);
    const languages = await tinyLanguages(dir);
    const train = { steps: 3, batchSize: 2, seqLen: 32, checkpointEvery: 2, warmupSteps: 1 };
    const config = await resolveRunConfig(
      parseRunConfig({
        name: uniqueName('elo-e2e'),
        baseModel: baseDir,
        target: 'ko',
        data: { languages, seqLen: 32, validationFraction: 0.1, tokenBudget: 4000 },
        elo: { layers: [0, -1], train },
        align: { steps: 2, batchSize: 2 },
        baselines: ['full-cp', 'freeze-tune'],
        eval: {
          seqLen: 32,
          batchSize: 4,
          maxTokensPerSet: 200,
          samples: { perLanguage: 1, maxNewTokens: 4 },
        },
      }),
      dir,
    );
    const dag = buildDag(config);
    const { uri, store } = await h.fileStore();
    const queues = h.queues('elo-e2e');
    const run = async () => {
      const handle = await h.start({
        runName: config.name,
        dag,
        storeUri: uri,
        taskQueues: queues,
        config,
        targetLanguage: 'ko',
        baseModel: 'tiny-base',
      });
      return { handle, result: await handle.result() };
    };

    await h.withWorkers(queues, async () => {
      const { handle, result } = await run();
      assert.equal(result.status, 'succeeded');
      const node = (id: string) => result.nodes.find((n) => n.id === id)!;
      assert.deepEqual(
        result.nodes.filter((n) => n.state !== 'succeeded').map((n) => `${n.id}:${n.state}`),
        [],
      );

      // The merged (and aligned) models load as HF folders and evaluate with the engine.
      for (const id of ['reintegrate', 'align']) {
        const local = path.join(dir, `${id}-model`);
        await store.fetchFolder(store.keyOf(node(id).outputs['model']!.uri), local);
        const folder = await HfModelFolder.open(local);
        assert.equal(folder.config.numHiddenLayers, 4);
        folder.checkTensors();
        await folder.close();
        const model = await loadModelFolder(local);
        const r = await evaluate(model, [tokenizer.encode('안녕하세요. Hello, world.')], {
          seqLen: 16,
          batchSize: 1,
        });
        model.dispose();
        assert.ok(Number.isFinite(r.meanNll) && r.meanNll > 0, `${id}: ${r.meanNll}`);
      }

      // Metrics for every language and every model.
      const labels = ['base', 'elo', 'elo+align', 'full-cp', 'freeze-tune'];
      for (const id of result.nodes.filter((n) => n.stage === 'evaluate').map((n) => n.id)) {
        const ref = node(id).outputs['metrics']!;
        const file = JSON.parse(
          (await store.readFile(store.keyOf(ref.uri), 'evaluation.json')).toString('utf8'),
        ) as EvaluationFile;
        assert.ok(labels.includes(file.label), file.label);
        for (const lang of ['en', 'ko']) {
          for (const set of ['validation', 'udhr']) {
            const e = file.evaluations.find((x) => x.lang === lang && x.set === set);
            assert.ok(e, `${id}: no ${lang}/${set}`);
            assert.ok(
              (e.bitsPerByte ?? 0) > 0 && Number.isFinite(e.perplexity),
              `${id} ${lang}/${set}`,
            );
            assert.equal(node(id).metrics[`bitsPerByte.${lang}.${set}`], e.bitsPerByte);
          }
          assert.ok(file.samples.some((s) => s.lang === lang));
        }
      }
      assert.equal(result.nodes.filter((n) => n.stage === 'evaluate').length, labels.length);
      for (const id of ['elo-pretrain', 'full-cp', 'freeze-tune', 'align']) {
        const m = node(id).metrics;
        assert.equal(m['steps'], id === 'align' ? 2 : 3, id);
        assert.ok(m['tokensPerSec']! > 0 && m['trainableParams']! > 0, id);
      }
      // ELO trains and computes with fewer parameters than full CP; freeze-tune computes all.
      assert.ok(
        node('elo-pretrain').metrics['computedParams']! <
          node('full-cp').metrics['computedParams']!,
      );
      assert.equal(
        node('freeze-tune').metrics['computedParams'],
        node('full-cp').metrics['computedParams'],
      );

      // The report: markdown and self-contained HTML with the results.
      const reportKey = store.keyOf(node('report').outputs['report']!.uri);
      const md = (await store.readFile(reportKey, 'report.md')).toString('utf8');
      const html = (await store.readFile(reportKey, 'report.html')).toString('utf8');
      for (const label of labels) assert.ok(md.includes(label), `report.md lacks ${label}`);
      assert.match(html, /<svg/);
      for (const n of result.nodes) assert.ok(md.includes(n.id), `report timeline lacks ${n.id}`);

      // The audit timeline (Temporal history) has every node, each ending completed.
      const timeline = historyToTimeline(await handle.fetchHistory());
      assert.deepEqual(
        timeline.nodes.map((n) => `${n.node}:${n.outcome}`).sort(),
        dag.nodes.map((n) => `${n.id}:completed`).sort(),
      );

      // Submitted again: served from the cache (the import re-checks the folder and finds the
      // same content, so its ref and every cache key downstream are unchanged).
      const rerun = await run();
      const again = rerun.result;
      assert.deepEqual(
        again.nodes.map((n) => `${n.id}:${n.state}`),
        result.nodes.map((n) => `${n.id}:${n.id === 'import-base' ? 'succeeded' : 'cached'}`),
      );
      assert.deepEqual(again.nodes.find((n) => n.id === 'report')!.outputs, node('report').outputs);
      // What "fast" meant: the re-run's history schedules no stage activity but the import's
      // re-check; every other node ends at its cache lookup.
      const rerunTimeline = historyToTimeline(await rerun.handle.fetchHistory());
      assert.deepEqual(
        [
          ...new Set(
            rerunTimeline.entries.filter((e) => e.kind === 'scheduled').map((e) => e.node),
          ),
        ],
        ['import-base'],
      );
      assert.deepEqual(
        rerunTimeline.nodes.map((n) => `${n.node}:${n.outcome}`).sort(),
        dag.nodes.map((n) => `${n.id}:${n.id === 'import-base' ? 'completed' : 'cached'}`).sort(),
      );
    });
  });
});
