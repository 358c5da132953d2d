// `elo model …`: inspect, detach and reintegrate HF model folders.
import type { Command } from 'commander';
import { HfModelFolder } from '../../formats/hf-model-folder.js';
import { detach, reintegrate } from '../../formats/surgery.js';
import { UsageError } from '../errors.js';
import { registerModelRunCommands } from './model-run.js';

export interface ModelSummary {
  folder: string;
  architecture: string;
  modelType: string;
  numHiddenLayers: number;
  hiddenSize: number;
  intermediateSize: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  torchDtype: string | null;
  dtypes: Record<string, number>;
  files: string[];
  tokenizer: boolean;
  parameters: {
    total: number;
    embedding: number;
    layers: number;
    perLayer: number;
    finalNorm: number;
    head: number;
  };
  weightBytes: number;
  weightsSha256: string;
}

export async function summarizeModel(folder: string): Promise<ModelSummary> {
  const m = await HfModelFolder.open(folder);
  try {
    m.checkTensors();
    const c = m.config;
    const p = m.parameterCounts();
    const list = m.listTensors();
    return {
      folder,
      architecture: c.architecture,
      modelType: c.modelType,
      numHiddenLayers: c.numHiddenLayers,
      hiddenSize: c.hiddenSize,
      intermediateSize: c.intermediateSize,
      numAttentionHeads: c.numAttentionHeads,
      numKeyValueHeads: c.numKeyValueHeads,
      headDim: c.headDim,
      vocabSize: c.vocabSize,
      tieWordEmbeddings: c.tieWordEmbeddings,
      torchDtype: c.torchDtype,
      dtypes: m.dtypes(),
      files: [...new Set(list.map((t) => t.file))],
      tokenizer: m.hasTokenizer,
      parameters: {
        total: p.total,
        embedding: p.embedding,
        layers: p.layers,
        perLayer: p.perLayer[0] ?? 0,
        finalNorm: p.finalNorm,
        head: p.head,
      },
      weightBytes: list.reduce((a, t) => a + t.byteLength, 0),
      weightsSha256: await m.weightsSha256(),
    };
  } finally {
    await m.close();
  }
}

const n = (x: number) => x.toLocaleString('en-US');

function formatSummary(s: ModelSummary): string {
  const p = s.parameters;
  const dtypes = Object.entries(s.dtypes)
    .map(([d, k]) => `${d} x${k}`)
    .join(', ');
  return [
    `folder         ${s.folder}`,
    `architecture   ${s.architecture} (${s.modelType})`,
    `layers         ${s.numHiddenLayers}`,
    `hidden size    ${s.hiddenSize} (intermediate ${s.intermediateSize})`,
    `heads          ${s.numAttentionHeads} (kv ${s.numKeyValueHeads}, head dim ${s.headDim})`,
    `vocab          ${n(s.vocabSize)}${s.tieWordEmbeddings ? ' (tied embeddings)' : ''}`,
    `dtypes         ${dtypes}${s.torchDtype ? ` (config: ${s.torchDtype})` : ''}`,
    `files          ${s.files.join(', ')}${s.tokenizer ? ' + tokenizer.json' : ''}`,
    `parameters     ${n(p.total)} total: embedding ${n(p.embedding)}, layers ${n(p.layers)} (${n(p.perLayer)} each), final norm ${n(p.finalNorm)}, head ${p.head ? n(p.head) : 'tied'}`,
    `weights        ${n(s.weightBytes)} bytes, sha256 ${s.weightsSha256}`,
  ].join('\n');
}

function parseByteSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?$/i.exec(v.trim());
  const units: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  const unit = (m?.[2] ?? '').toUpperCase().replace(/I?B$/, '');
  const scale = /i/i.test(m?.[2] ?? '') ? 1024 ** ' KMGT'.indexOf(unit) : units[unit];
  if (!m || scale === undefined)
    throw new UsageError(`--max-shard-size "${v}" is not a size like 5GB`);
  return Math.floor(Number(m[1]) * scale);
}

export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('inspect and operate on HF model folders');

  model
    .command('inspect')
    .description('show architecture, sizes, parameter counts, dtypes and the weights sha256')
    .argument('<folder>', 'HF model folder (config.json + safetensors)')
    .option('--json', 'print JSON instead of text')
    .action(async (folder: string, opts: { json?: boolean }) => {
      const s = await summarizeModel(folder);
      console.log(opts.json ? JSON.stringify(s, null, 2) : formatSummary(s));
    });

  model
    .command('detach')
    .description('write a small model of the embeddings, the chosen layers, final norm and head')
    .argument('<base>', 'HF model folder to detach from')
    .argument('<out>', 'new folder to create (must not exist)')
    .option('--layers <list>', 'comma-separated layer indices, negative from the end', '0,-1')
    .option('--max-shard-size <size>', 'split weights into shards of at most this size', '5GB')
    .action(async (base: string, out: string, opts: { layers: string; maxShardSize: string }) => {
      const { manifest } = await detach(base, opts.layers, out, {
        maxShardBytes: parseByteSize(opts.maxShardSize),
      });
      console.log(
        `Detached layers ${manifest.baseLayers.join(', ')} of ${manifest.baseNumLayers} from ${base} into ${out}.`,
      );
    });

  model
    .command('reintegrate')
    .description('write the base model with the detached layers replaced by the elo ones')
    .argument('<base>', 'the HF model folder the elo model was detached from')
    .argument('<elo>', 'the (trained) folder made by `elo model detach`')
    .argument('<out>', 'new folder to create (must not exist)')
    .option('--include-non-layer', 'also take embeddings, final norm and head from <elo>')
    .action(async (base: string, elo: string, out: string, opts: { includeNonLayer?: boolean }) => {
      const r = await reintegrate(base, elo, out, { includeNonLayer: opts.includeNonLayer });
      const layers = Object.keys(r.replaced).join(', ');
      console.log(`Wrote ${out}: ${base} with layers ${layers} from ${elo}.`);
    });

  registerModelRunCommands(model);
}
