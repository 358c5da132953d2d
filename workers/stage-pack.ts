import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';
import type { StageImplementation } from '../activities/stage-activity.js';
import { loadStagePack, STAGE_PACK_ENV, StagePackError } from '../client/stage-pack.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { sha256Hex } from '../formats/sha256.js';
import { stageInfoOf } from '../pipeline/stage.js';
import { scratchRoot } from '../storage/scratch.js';

/** What a worker runs beyond this build's stages: a stage pack's implementations and executor. */
export interface WorkerStagePack {
  /** The pack module's path. */
  path: string;
  implementations: readonly StageImplementation[];
  /** A workflows entry point whose executor knows the pack's stages too. */
  workflowsPath: string;
  /** For the bundler: the entry lives outside the install, so name where its packages are. */
  webpackConfigHook: NonNullable<BundleOptions['webpackConfigHook']>;
}

const dist = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

/**
 * The stage pack ELO_STAGE_PACK names, for a worker; undefined when unset. The executor workflow
 * sees stages as plain data compiled into its bundle, so a pack needs its own entry point: the
 * built-in executor over this build's stages plus the pack's, written once per pack content to
 * the scratch folder (ELO_SCRATCH or the temp folder; the install may be read-only).
 */
export async function workerStagePack(env = process.env): Promise<WorkerStagePack | undefined> {
  const pack = await loadStagePack(env);
  if (!pack) return undefined;
  const implementations = pack.exports['implementations'];
  if (!Array.isArray(implementations) || !implementations.every(isImplementation)) {
    throw new StagePackError(
      `${STAGE_PACK_ENV}=${pack.path}: \`implementations\` is not a list of stage implementations (implementStage)`,
    );
  }
  const entry = workflowsEntry(pack.stages.map(stageInfoOf));
  const workflowsPath = path.join(
    scratchRoot(),
    `elo-workflows-${sha256Hex(entry).slice(0, 16)}.js`,
  );
  await writeFileAtomic(workflowsPath, entry);
  return { path: pack.path, implementations, workflowsPath, webpackConfigHook: resolveFromInstall };
}

/** The node_modules folder this install resolves @temporalio/workflow from. */
function installNodeModules(): string {
  const sdk = createRequire(import.meta.url).resolve('@temporalio/workflow');
  const marker = `${path.sep}node_modules${path.sep}`;
  return sdk.slice(0, sdk.lastIndexOf(marker) + marker.length - 1);
}

const resolveFromInstall: WorkerStagePack['webpackConfigHook'] = (config) => ({
  ...config,
  resolve: {
    ...config.resolve,
    modules: [...(config.resolve?.modules ?? ['node_modules']), installNodeModules()],
  },
});

function workflowsEntry(packInfos: unknown[]): string {
  const imp = (name: string, rel: string) =>
    `import { ${name} } from ${JSON.stringify(dist(rel))};`;
  return [
    '// Written by workers/stage-pack.ts: the executor over the built-in stages and a stage pack.',
    imp('StageRegistry', '../pipeline/stage-registry.js'),
    imp('STAGE_INFOS', '../pipeline/stage-info-catalog.js'),
    imp('pipelineWorkflow', '../workflows/run-pipeline.js'),
    `const PACK_STAGES = ${JSON.stringify(packInfos)};`,
    'export const runPipeline = pipelineWorkflow(new StageRegistry([...STAGE_INFOS, ...PACK_STAGES]));',
    '',
  ].join('\n');
}

function isImplementation(value: unknown): value is StageImplementation {
  const v = value as Partial<StageImplementation> | null;
  return typeof v === 'object' && v !== null && typeof v.stage?.name === 'string';
}
