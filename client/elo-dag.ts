// The ELO DAG and the base-model pretraining DAG, as pure functions of a resolved run config.
//
// elo:  import-base ─┬─ prepare-data ─────────────────────────────┐
//                    ├─ detach ─ elo-pretrain ─ reintegrate ─ align ─ evaluate-elo-align ─┐
//                    ├─ prepare-align-data ──────────────────────┘
//                    │                                  └─ evaluate-elo ──────────────────┤
//                    ├─ evaluate-base ───────────────────────────────────────────────────┤
//                    ├─ full-cp ─ evaluate-full-cp (optional baseline) ──────────────────┤
//                    └─ freeze-tune ─ evaluate-freeze-tune (optional baseline) ─────────── report
import type { DagNode, DagSpec } from '../pipeline/dag.js';
import type {
  BasePretrainConfig,
  EloRunConfig,
  ResolvedRunConfig,
  RunConfig,
  TrainSettings,
} from './run-config.js';
import { trainParamsSchema } from '../pipeline/stages/elo.js';

type Resolved<C> = C & { dataParams: Record<string, unknown> };

function evalParams(c: Pick<RunConfig, 'data' | 'eval'>, label: string) {
  return { seqLen: c.data.seqLen, ...c.eval, label };
}

/** Training params: the data's sequence length unless the stage sets its own. */
function trainParams(c: Pick<RunConfig, 'data'>, ...layers: TrainSettings[]) {
  return Object.assign({ seqLen: c.data.seqLen }, ...layers) as Record<string, unknown>;
}

/**
 * Alignment's small mixed set: the same sources, split and seed as ELO's data (so no validation
 * document leaks in), but a balanced mix (the merged layers must agree with the rest of the model
 * on every language, not only the target) and only the tokens alignment consumes.
 */
function alignData(
  c: Resolved<EloRunConfig>,
  settings: EloRunConfig['align']['data'],
  params: Record<string, unknown>,
): Record<string, unknown> {
  const t = trainParamsSchema.parse(params);
  const languages = c.dataParams['languages'] as Record<string, { train?: unknown[] }>;
  const trainLangs = Object.keys(languages).filter((l) => languages[l]!.train?.length);
  return {
    ...c.dataParams,
    mix: settings.mix ?? Object.fromEntries(trainLangs.map((l) => [l, 1])),
    tokenBudget: settings.tokenBudget ?? t.steps * t.batchSize * t.gradAccumSteps * t.seqLen,
  };
}

/** Each alignment variant as train params (run-config.ts says what each trains). */
const ALIGN_VARIANTS: Record<EloRunConfig['align']['variant'], (layers: number[]) => object> = {
  full: () => ({ mode: 'full' }),
  neighbours: (layers) => ({
    mode: 'freeze-tune',
    nextTo: layers,
    alsoTrain: ['layernorm\\.weight$', '^model\\.norm\\.weight$'],
  }),
  'frozen-embeddings': () => ({ mode: 'full', trainEmbeddings: false, trainHead: false }),
};

function withoutSelection(t: TrainSettings): TrainSettings {
  const { trainEmbeddings: _e, trainHead: _h, ...rest } = t;
  return rest;
}

/** Nodes of one part of the ELO DAG, and what the report reads of them (role → `node.output`). */
interface Branch {
  nodes: DagNode[];
  report: Record<string, string>;
}

/** The ELO DAG: the ELO path, the optional alignment and baselines, and the report over them all. */
export function buildEloDag(c: Resolved<EloRunConfig>): DagSpec {
  const branches = [
    eloBranch(c),
    ...(c.align.steps > 0 ? [alignBranch(c)] : []),
    ...(c.baselines.includes('full-cp') ? [fullCpBranch(c)] : []),
    ...(c.baselines.includes('freeze-tune') ? [freezeTuneBranch(c)] : []),
  ];
  const report: DagNode = {
    id: 'report',
    stage: 'report',
    params: { baseModel: c.baseModel, targetLanguage: c.target },
    needs: Object.assign({}, ...branches.map((b) => b.report)) as Record<string, string>,
  };
  return { name: 'elo', nodes: [...branches.flatMap((b) => b.nodes), report] };
}

// The base model's weights and the run's data, as most training nodes need them.
const FROM_BASE = { model: 'import-base.model', data: 'prepare-data.data' };

/** The tokenizer of prepare-data nodes: the base model's unless the config names one. */
function tokenizerNeeds(c: Resolved<EloRunConfig>): Record<string, string> {
  return c.dataParams['tokenizer'] ? {} : { tokenizer: 'import-base.model' };
}

/** import → data → detach → ELO pretraining → reintegrate, and the base and ELO evaluations. */
function eloBranch(c: Resolved<EloRunConfig>): Branch {
  return {
    nodes: [
      { id: 'import-base', stage: 'import-model', params: { source: c.baseModel } },
      {
        id: 'prepare-data',
        stage: 'prepare-data',
        params: { data: c.dataParams },
        needs: tokenizerNeeds(c),
      },
      {
        id: 'detach',
        stage: 'detach',
        params: { layers: c.elo.layers },
        needs: { model: 'import-base' },
      },
      {
        id: 'elo-pretrain',
        stage: 'train',
        params: { mode: 'elo', ...trainParams(c, c.elo.train) },
        needs: { model: 'detach.model', data: 'prepare-data.data' },
      },
      {
        id: 'reintegrate',
        stage: 'reintegrate',
        needs: { base: 'import-base.model', trained: 'elo-pretrain.model' },
      },
      {
        id: 'evaluate-base',
        stage: 'evaluate',
        params: evalParams(c, 'base'),
        needs: { model: 'import-base.model', data: 'prepare-data.data' },
      },
      {
        id: 'evaluate-elo',
        stage: 'evaluate',
        params: evalParams(c, 'elo'),
        needs: { model: 'reintegrate.model', data: 'prepare-data.data' },
      },
    ],
    report: {
      evalBase: 'evaluate-base.metrics',
      evalElo: 'evaluate-elo.metrics',
      trainElo: 'elo-pretrain.metrics',
    },
  };
}

/** A training node and the evaluation of its model, both read by the report. */
function trainAndEvaluate(
  c: Resolved<EloRunConfig>,
  train: {
    id: string;
    role: string;
    params: Record<string, unknown>;
    needs: Record<string, string>;
  },
  evaluation: { id: string; role: string; label: string },
): Branch {
  return {
    nodes: [
      { id: train.id, stage: 'train', params: train.params, needs: train.needs },
      {
        id: evaluation.id,
        stage: 'evaluate',
        params: evalParams(c, evaluation.label),
        needs: { model: `${train.id}.model`, data: 'prepare-data.data' },
      },
    ],
    report: { [train.role]: `${train.id}.metrics`, [evaluation.role]: `${evaluation.id}.metrics` },
  };
}

/** Layer alignment of the merged model on its own small mixed data set, then its evaluation. */
function alignBranch(c: Resolved<EloRunConfig>): Branch {
  const { data: alignDataSettings, variant, ...alignTrain } = c.align;
  const alignParams = {
    ...trainParams(c, alignTrain),
    ...ALIGN_VARIANTS[variant](c.elo.layers),
    label: `align:${variant}`,
  };
  const trained = trainAndEvaluate(
    c,
    {
      id: 'align',
      role: 'trainAlign',
      params: alignParams,
      needs: { model: 'reintegrate.model', data: 'prepare-align-data.data' },
    },
    { id: 'evaluate-elo-align', role: 'evalEloAlign', label: 'elo+align' },
  );
  const prepare: DagNode = {
    id: 'prepare-align-data',
    stage: 'prepare-data',
    params: { data: alignData(c, alignDataSettings, alignParams) },
    needs: tokenizerNeeds(c),
  };
  return { nodes: [prepare, ...trained.nodes], report: trained.report };
}

/**
 * The full continual-pretraining baseline: same data and the same token budget as ELO (its steps,
 * batch and sequence length). Which non-layer weights ELO unfroze means nothing to a run that
 * trains them all.
 */
function fullCpBranch(c: Resolved<EloRunConfig>): Branch {
  const params = { mode: 'full', ...trainParams(c, withoutSelection(c.elo.train), c.fullCp) };
  return trainAndEvaluate(
    c,
    { id: 'full-cp', role: 'trainFullCp', params, needs: FROM_BASE },
    { id: 'evaluate-full-cp', role: 'evalFullCp', label: 'full-cp' },
  );
}

/** The in-place freeze-tuning baseline: the same layers trained in the full model. */
function freezeTuneBranch(c: Resolved<EloRunConfig>): Branch {
  const params = {
    mode: 'freeze-tune',
    layers: c.elo.layers,
    ...trainParams(c, c.elo.train, c.freezeTune),
  };
  return trainAndEvaluate(
    c,
    { id: 'freeze-tune', role: 'trainFreezeTune', params, needs: FROM_BASE },
    { id: 'evaluate-freeze-tune', role: 'evalFreezeTune', label: 'freeze-tune' },
  );
}

/** prepare-data → pretrain (seeded init, all parameters) → evaluate → report. */
export function buildBasePretrainDag(c: Resolved<BasePretrainConfig>): DagSpec {
  return {
    name: 'base-pretrain',
    nodes: [
      { id: 'prepare-data', stage: 'prepare-data', params: { data: c.dataParams } },
      {
        id: 'pretrain',
        stage: 'train',
        params: { mode: 'full', init: c.model, ...trainParams(c, c.train) },
        needs: { data: 'prepare-data.data' },
      },
      {
        id: 'evaluate',
        stage: 'evaluate',
        params: evalParams(c, 'base'),
        needs: { model: 'pretrain.model', data: 'prepare-data.data' },
      },
      {
        id: 'report',
        stage: 'report',
        params: { baseModel: '(pretrained from scratch)', targetLanguage: c.target },
        needs: { evalBase: 'evaluate.metrics', trainBase: 'pretrain.metrics' },
      },
    ],
  };
}

/** The DAG a resolved config describes. */
export function buildDag(c: ResolvedRunConfig): DagSpec {
  return c.pipeline === 'elo' ? buildEloDag(c) : buildBasePretrainDag(c);
}
