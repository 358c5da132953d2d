// What the ELO stages will hold at their peak, estimated before they load anything (from the
// input model's config.json and the params): the worker admits them by it (memory-gate.ts), and
// a stage that can never fit its worker fails at once, saying so.
import { evalMemory, evalStreams, formatParams } from '../../engine/memory-model.js';
import { selectionMemory } from '../../engine/train/selection-memory.js';
import type { TrainableSelection } from '../../engine/train/trainable.js';
import { CONFIG_FILE, parseHfConfig } from '../../formats/index.js';
import { evaluateStage, trainStage, type TrainParams } from '../../pipeline/stages/elo.js';
import type { StageMemoryNeed } from '../memory-gate.js';
import type { StageContext } from '../stage-activity.js';
import { SHARDS_FILE, type ShardList } from './data-artifact.js';
import { readJsonRef } from './scratch.js';

/** The engine's trainable selection for a train stage's params. */
export function trainSelection(p: TrainParams): TrainableSelection {
  return {
    mode: p.mode,
    ...(p.layers ? { layers: p.layers } : {}),
    ...(p.nextTo ? { nextTo: p.nextTo } : {}),
    ...(p.alsoTrain ? { alsoTrain: p.alsoTrain } : {}),
    ...(p.trainEmbeddings !== undefined ? { trainEmbeddings: p.trainEmbeddings } : {}),
    ...(p.trainHead !== undefined ? { trainHead: p.trainHead } : {}),
  };
}

/**
 * The training's peak, before anything loads: the input model's config.json, the trainable
 * selection and the micro-batch. A from-scratch model (`init`) is small by construction and not
 * estimated.
 */
export async function trainMemoryNeed(
  ctx: StageContext<typeof trainStage>,
): Promise<StageMemoryNeed | undefined> {
  if (!ctx.inputs.model) return undefined;
  const p = ctx.params;
  const config = parseHfConfig(await readJsonRef(ctx.store, ctx.inputs.model, CONFIG_FILE));
  const estimate = selectionMemory(config, trainSelection(p), p.batchSize, p.seqLen);
  return {
    estimate,
    what: `${ctx.nodeId} of this ${formatParams(estimate.params.computed)} model`,
    advice:
      p.mode === 'elo'
        ? 'detach fewer layers, use a smaller batchSize, or a bigger worker'
        : 'use ELO (for alignment: a cheaper align.variant) or a bigger worker',
  };
}

/** The evaluation's peak, before anything loads: from the model's config.json and the params. */
export async function evaluateMemory(
  ctx: StageContext<typeof evaluateStage>,
): Promise<StageMemoryNeed> {
  const config = parseHfConfig(await readJsonRef(ctx.store, ctx.inputs.model, CONFIG_FILE));
  const shards = await readJsonRef<ShardList>(ctx.store, ctx.inputs.data, SHARDS_FILE);
  const sets =
    Object.keys(shards.validation).length +
    Object.values(shards.eval).reduce((n, named) => n + Object.keys(named).length, 0);
  const streaming = evalStreams(config, ctx.params.streaming);
  const estimate = evalMemory({
    config,
    batchSize: ctx.params.batchSize,
    seqLen: ctx.params.seqLen,
    evalTokens: sets * ctx.params.maxTokensPerSet,
    streaming,
  });
  return {
    estimate,
    what: `${ctx.nodeId} of this ${formatParams(estimate.params.computed)} model${streaming ? ' (layer by layer)' : ''}`,
    advice: streaming
      ? 'a smaller eval.batchSize or a bigger worker'
      : 'set eval.streaming: always, or use a bigger worker',
  };
}
