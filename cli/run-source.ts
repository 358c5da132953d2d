// What `elo run` / `elo validate` / `elo schedule create` read: a run config (YAML or JSON, see
// docs/elo-pipeline.md), turned into its DAG — or a raw DAG spec (JSON with `nodes`) as is.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stageCatalog } from '../pipeline/catalog.js';
import type { DagSpec } from '../pipeline/dag.js';
import { DagSpecSchema, validateDag } from '../pipeline/dag-schema.js';
import { buildDag } from '../client/elo-dag.js';
import { loadRunConfig, RunConfigError, type ResolvedRunConfig } from '../client/run-config.js';
import type { RunRequest } from '../client/run-client.js';
import { UsageError } from './errors.js';

export interface RunSource {
  runName: string;
  dag: DagSpec;
  /** Recorded in memo and run.json, hashed into EloConfigHash. */
  config: unknown;
  /** The run config as loaded (absent for a raw DAG spec). */
  runConfig?: ResolvedRunConfig;
  store?: string;
  targetLanguage?: string;
  baseModel?: string;
  maxParallel?: number;
}

/** The start request for a loaded source: its DAG, config and search-attribute values. */
export function runRequestOf(
  s: RunSource,
  opts: Pick<RunRequest, 'storeUri' | 'taskQueues' | 'useCache'>,
): RunRequest {
  return {
    runName: s.runName,
    dag: s.dag,
    config: s.config,
    ...opts,
    ...(s.maxParallel ? { maxParallel: s.maxParallel } : {}),
    ...(s.targetLanguage ? { targetLanguage: s.targetLanguage } : {}),
    ...(s.baseModel ? { baseModel: s.baseModel } : {}),
  };
}

async function isDagSpec(file: string): Promise<unknown> {
  if (!file.endsWith('.json')) return undefined;
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`cannot read ${file}: ${err.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return json && typeof json === 'object' && 'nodes' in json ? json : undefined;
}

/** Loads and validates; every problem is reported before anything starts. */
export async function loadRunSource(file: string, name?: string): Promise<RunSource> {
  const dagJson = await isDagSpec(file);
  if (dagJson) {
    validateDag(dagJson, stageCatalog); // one error listing every problem
    const dag = DagSpecSchema.parse(dagJson);
    return { runName: name ?? dag.name, dag, config: { dag } };
  }
  const config = await loadRunConfig(file);
  if (config.pipeline === 'elo') await checkLayers(file, config.baseModel, config.elo.layers);
  const dag = buildDag(config);
  validateDag(dag, stageCatalog);
  return {
    runName: name ?? config.name,
    dag,
    config,
    runConfig: config,
    ...(config.store ? { store: config.store } : {}),
    targetLanguage: config.target,
    // The folder's name (or URI's last part): what `elo runs --base` filters on.
    baseModel: config.pipeline === 'elo' ? path.basename(config.baseModel) : 'scratch',
    maxParallel: config.maxParallel,
  };
}

/**
 * λ against the base model's layer count, when its config.json is readable here (a local folder):
 * an index out of range is found before the run starts, not by the detach stage seconds in.
 */
async function checkLayers(file: string, baseModel: string, layers: readonly number[]) {
  if (baseModel.startsWith('s3://')) return; // read by the workers; detach checks it there
  let n: unknown;
  try {
    n = (
      JSON.parse(await readFile(path.join(baseModel, 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >
    )['num_hidden_layers'];
  } catch {
    return; // unreadable here: import-model reports it with its own message
  }
  if (typeof n !== 'number') return;
  const bad = layers.map((l, i) => [l, i] as const).filter(([l]) => l >= n || l < -n);
  if (bad.length) {
    throw new RunConfigError(
      `${file}: ` +
        bad
          .map(
            ([l, i]) =>
              `elo.layers[${i}]: layer ${l} is out of range for ${baseModel} (${n} layers: valid ${-n}..${n - 1})`,
          )
          .join('; '),
    );
  }
}
