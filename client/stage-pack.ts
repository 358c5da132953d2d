import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stageCatalog } from '../pipeline/catalog.js';
import type { StageDef } from '../pipeline/stage.js';

/** The environment variable that names a stage pack module (activities/stage-pack.ts). */
export const STAGE_PACK_ENV = 'ELO_STAGE_PACK';

/** ELO_STAGE_PACK names a module that cannot be used: what is wrong and what to do. */
export class StagePackError extends Error {
  override readonly name = 'StagePackError';
}

export interface LoadedStagePack {
  /** The module's absolute path. */
  path: string;
  stages: readonly StageDef[];
  /** Everything the module exports (workers take `implementations` from it). */
  exports: Record<string, unknown>;
}

const loaded = new Map<string, Promise<LoadedStagePack>>();

/**
 * The stage pack ELO_STAGE_PACK names, its stages registered in the stage catalog; undefined when
 * the variable is unset. Loaded once per process, so every caller sees the same catalog.
 */
export async function loadStagePack(env = process.env): Promise<LoadedStagePack | undefined> {
  const spec = env[STAGE_PACK_ENV];
  if (!spec) return undefined;
  const file = path.resolve(spec);
  let pack = loaded.get(file);
  if (!pack) {
    pack = importPack(file);
    loaded.set(file, pack);
  }
  return pack;
}

async function importPack(file: string): Promise<LoadedStagePack> {
  const fix = `set ${STAGE_PACK_ENV} to a built ES module that exports \`stages\` and \`implementations\`, or unset it`;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new StagePackError(
      `${STAGE_PACK_ENV}=${file}: cannot load it (${(err as Error).message}); ${fix}`,
    );
  }
  const stages = exports['stages'];
  if (!Array.isArray(stages) || !stages.every(isStageDef)) {
    throw new StagePackError(
      `${STAGE_PACK_ENV}=${file}: \`stages\` is not a list of stage definitions (defineStage); ${fix}`,
    );
  }
  for (const stage of stages) {
    if (stageCatalog.get(stage.name) === stage) continue;
    try {
      stageCatalog.register(stage);
    } catch (err) {
      throw new StagePackError(`${STAGE_PACK_ENV}=${file}: ${(err as Error).message}`);
    }
  }
  return { path: file, stages, exports };
}

function isStageDef(value: unknown): value is StageDef {
  const v = value as Partial<StageDef> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.version === 'string' &&
    typeof v.params?.safeParse === 'function'
  );
}
