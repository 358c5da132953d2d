import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../../infra/project-paths.js';
import { stageCatalog } from '../../../pipeline/catalog.js';
import { validateDag } from '../../../pipeline/dag-schema.js';
import { buildDag } from '../../../client/elo-dag.js';
import {
  loadRunConfig,
  parseRunConfig,
  resolveRunConfig,
  RunConfigError,
} from '../../../client/run-config.js';

const minimal = { name: 'r1', baseModel: 'models/base', target: 'ko' };

async function dagOf(config: Record<string, unknown>) {
  const resolved = await resolveRunConfig(parseRunConfig(config), '/configs');
  const dag = buildDag(resolved);
  return { resolved, dag, valid: validateDag(dag, stageCatalog) };
}

describe('run config and the ELO DAG', () => {
  it('errors name the path of every problem', () => {
    assert.throws(
      () =>
        parseRunConfig({
          ...minimal,
          elo: { layers: [0, 'x'], train: { steps: 0 } },
          baselines: ['full-cp', 'lora'],
          extra: 1,
        }),
      (err: Error) => {
        assert.ok(err instanceof RunConfigError);
        assert.match(err.message, /elo\.layers\[1\]: /);
        assert.match(err.message, /elo\.train\.steps: /);
        assert.match(err.message, /baselines\[1\]: /);
        assert.match(err.message, /extra/);
        return true;
      },
    );
    assert.throws(() => parseRunConfig({ name: 'r' }), /baseModel: /);
    assert.throws(() => parseRunConfig({ name: 'r' }), /target: /);
  });

  it('builds detach → elo-pretrain → reintegrate → align → evaluate with base evaluation and report', async () => {
    const { dag, valid, resolved } = await dagOf(minimal);
    assert.deepEqual(
      valid.nodes.map((n) => n.id),
      [
        'import-base',
        'prepare-data',
        'detach',
        'elo-pretrain',
        'reintegrate',
        'evaluate-base',
        'evaluate-elo',
        'prepare-align-data',
        'align',
        'evaluate-elo-align',
        'report',
      ],
    );
    // Paths resolve against the config's folder; λ defaults to the first and last layer.
    assert.equal(resolved.pipeline === 'elo' && resolved.baseModel, '/configs/models/base');
    const node = (id: string) => dag.nodes.find((n) => n.id === id)!;
    assert.deepEqual(node('detach').params, { layers: [0, -1] });
    // No tokenizer in the config: the base model's.
    assert.deepEqual(node('prepare-data').needs, { tokenizer: 'import-base.model' });
    // Default sources: the shipped corpora, with the 1:9 mix left to dataprep's default.
    const data = (node('prepare-data').params as { data: Record<string, unknown> }).data;
    assert.equal(data['target'], 'ko');
    assert.equal(data['mix'], undefined);
    const langs = data['languages'] as Record<string, { train: { path: string }[] }>;
    assert.equal(
      langs['ko']!.train[0]!.path,
      path.join(projectRoot, 'data/corpora/ko/train.jsonl'),
    );
  });

  it('offers cheap alignment variants where a full fine-tune cannot fit, named for the report', async () => {
    const paramsOf = async (variant: string) =>
      (
        await dagOf({ ...minimal, elo: { layers: [0, -1] }, align: { steps: 3, variant } })
      ).dag.nodes.find((n) => n.id === 'align')!.params as Record<string, unknown>;
    const neighbours = await paramsOf('neighbours');
    assert.equal(neighbours['mode'], 'freeze-tune');
    assert.deepEqual(neighbours['nextTo'], [0, -1]);
    assert.equal(neighbours['label'], 'align:neighbours');
    const frozen = await paramsOf('frozen-embeddings');
    assert.equal(frozen['mode'], 'full');
    assert.equal(frozen['trainEmbeddings'], false);
    assert.equal(frozen['trainHead'], false);
    assert.equal(frozen['label'], 'align:frozen-embeddings');
    await assert.rejects(paramsOf('half'), /align\.variant: /);
  });

  it('aligns on a small balanced set from the same sources and split', async () => {
    const { dag } = await dagOf({
      ...minimal,
      data: { seqLen: 64, seed: 3 },
      align: { steps: 5, batchSize: 4, gradAccumSteps: 2, lr: 1e-4 },
    });
    const node = (id: string) => dag.nodes.find((n) => n.id === id)!;
    assert.deepEqual(node('align').needs, {
      model: 'reintegrate.model',
      data: 'prepare-align-data.data',
    });
    assert.deepEqual(node('align').params, {
      mode: 'full',
      label: 'align:full',
      seqLen: 64,
      steps: 5,
      batchSize: 4,
      gradAccumSteps: 2,
      lr: 1e-4,
    });
    const elo = (node('prepare-data').params as { data: Record<string, unknown> }).data;
    const align = (node('prepare-align-data').params as { data: Record<string, unknown> }).data;
    // Same sources, seed and split; every training language in equal parts; what 5 steps use.
    assert.deepEqual(align['languages'], elo['languages']);
    assert.equal(align['seed'], 3);
    const trainLangs = Object.entries(elo['languages'] as Record<string, { train: unknown[] }>)
      .filter(([, l]) => l.train.length > 0)
      .map(([code]) => code);
    assert.deepEqual(align['mix'], Object.fromEntries(trainLangs.map((l) => [l, 1])));
    assert.equal(align['tokenBudget'], 5 * 4 * 2 * 64);

    const custom = await dagOf({
      ...minimal,
      align: { steps: 5, data: { mix: { en: 1, ko: 3 }, tokenBudget: 9000 } },
    });
    const customData = (
      custom.dag.nodes.find((n) => n.id === 'prepare-align-data')!.params as {
        data: Record<string, unknown>;
      }
    ).data;
    assert.deepEqual(customData['mix'], { en: 1, ko: 3 });
    assert.equal(customData['tokenBudget'], 9000);
    assert.throws(
      () => parseRunConfig({ ...minimal, align: { data: { mix: { en: -1 } } } }),
      /align\.data\.mix\.en: /,
    );
  });

  it('adds the baselines: full-cp with ELO’s token budget, freeze-tune of λ in place', async () => {
    const { dag } = await dagOf({
      ...minimal,
      elo: {
        layers: [1, -2],
        train: { steps: 7, batchSize: 3, seqLen: 64, lr: 0.01, trainEmbeddings: true },
      },
      baselines: ['full-cp', 'freeze-tune'],
      fullCp: { lr: 0.001 },
      align: { steps: 0 },
    });
    const node = (id: string) => dag.nodes.find((n) => n.id === id)!;
    assert.equal(
      dag.nodes.find((n) => n.id === 'align'),
      undefined,
    );
    assert.deepEqual(node('full-cp').params, {
      mode: 'full',
      seqLen: 64,
      steps: 7,
      batchSize: 3,
      lr: 0.001,
    });
    // freeze-tune trains what ELO trains (λ and, here, the embeddings) in place.
    assert.deepEqual(node('freeze-tune').params, {
      mode: 'freeze-tune',
      layers: [1, -2],
      seqLen: 64,
      steps: 7,
      batchSize: 3,
      lr: 0.01,
      trainEmbeddings: true,
    });
    assert.deepEqual(node('report').needs, {
      evalBase: 'evaluate-base.metrics',
      evalElo: 'evaluate-elo.metrics',
      trainElo: 'elo-pretrain.metrics',
      evalFullCp: 'evaluate-full-cp.metrics',
      trainFullCp: 'full-cp.metrics',
      evalFreezeTune: 'evaluate-freeze-tune.metrics',
      trainFreezeTune: 'freeze-tune.metrics',
    });
  });

  it('ships valid configs: the demo, the test-sized run and the base-model pretraining', async () => {
    for (const file of [
      'demo.yaml',
      'demo-emb.yaml',
      'tiny.yaml',
      'base-pretrain.yaml',
      'unseen-language.yaml',
    ]) {
      const config = await loadRunConfig(path.join(projectRoot, 'examples', file));
      validateDag(buildDag(config), stageCatalog);
    }
    const base = await loadRunConfig(path.join(projectRoot, 'examples', 'base-pretrain.yaml'));
    assert.equal(buildDag(base).name, 'base-pretrain');
  });
});
