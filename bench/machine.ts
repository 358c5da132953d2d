// What ran the bench: machine, load, backend and versions, recorded with every results file
// (numbers from a shared, loaded machine mean little without the load next to them).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { activeBackend } from '../engine/backend.js';
import { projectRoot } from '../infra/project-paths.js';
import { TOOL_VERSIONS } from '../infra/tool-versions.js';
import { codeVersion } from '../client/code-version.js';

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  /** 1/5/15-minute load averages when the bench started and ended. */
  loadAverage: { start: number[]; end?: number[] };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: os.loadavg() },
  };
}

/** The active tfjs backend (after initBackend) and how it runs. */
export function backendInfo() {
  const b = activeBackend();
  return {
    name: b?.name ?? 'none',
    skipped: b?.skipped.map((s) => s.name) ?? [],
    // docs/engine.md: WASM under Node is single-threaded (XNNPACK, SIMD build); native
    // TensorFlow runs the pinned intra-op thread count.
    threads: b?.native ? b.native.intraOpThreads : b?.name === 'wasm' ? 1 : null,
  };
}

async function packageVersion(name: string): Promise<string> {
  const file = path.join(projectRoot, 'node_modules', name, 'package.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

export async function versions(): Promise<Record<string, string>> {
  return {
    code: codeVersion(),
    node: process.version,
    tfjs: await packageVersion('@tensorflow/tfjs-core'),
    tfjsBackendWasm: await packageVersion('@tensorflow/tfjs-backend-wasm'),
    temporalSdk: await packageVersion('@temporalio/client'),
    temporalCli: TOOL_VERSIONS.temporalCli,
    versitygw: TOOL_VERSIONS.versitygw,
    awsSdk: await packageVersion('@aws-sdk/client-s3'),
  };
}
