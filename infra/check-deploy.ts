/**
 * `npm run check:deploy [-- --no-image] [--gpu-image]`: every check of the deployment files with
 * the real tools (installed pinned into the tools folder on first use): helm lint + template,
 * kubernetes-validate on the rendered manifests, checkov over the manifests, the OpenTofu module
 * and the Dockerfile, tofu fmt + validate, and the cpu worker image built and run with
 * examples/tiny.yaml completing on it. Exits 1 if any check fails. What each check proves and
 * what CI runs of it: docs/deploy.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CHART_DIR,
  DOCKERFILE,
  TOFU_DIR,
  checkovScan,
  helmChecks,
  tofuChecks,
  validateManifests,
  type CheckResult,
} from './deploy-checks.js';
import { buildImage, checkNoBuildTools, runTinyOnImage } from './deploy-image-check.js';
import { ensureDeployVenv, ensureHelm, ensureTofu } from './deploy-tools.js';
import { projectRoot } from './project-paths.js';
import { exitOnError } from './setup-error.js';

const log = (line: string) => console.log(`[check:deploy] ${line}`);

// The AWS SDK's notice that it will want Node 22 from 2027 says nothing about the checks.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

function report(r: CheckResult): CheckResult {
  console.log(`${r.notRun ? '–' : r.ok ? '✔' : '✘'} ${r.name}: ${r.summary}`);
  if (!r.ok && r.detail?.trim()) console.log(r.detail.replace(/^/gm, '    '));
  return r;
}

async function main(): Promise<number> {
  const args = new Set(process.argv.slice(2));
  const known = new Set(['--no-image', '--gpu-image']);
  const unknown = [...args].filter((a) => !known.has(a));
  if (unknown.length) {
    console.error(
      `usage: npm run check:deploy [-- --no-image] [--gpu-image] (unknown: ${unknown.join(' ')})`,
    );
    return 2;
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'elo-check-deploy-'));
  const results: CheckResult[] = [];
  try {
    const [helm, tofu, venv] = [
      await ensureHelm(log),
      await ensureTofu(log),
      await ensureDeployVenv(log),
    ];
    const { results: helmResults, rendered } = await helmChecks(
      helm,
      path.join(scratch, 'rendered'),
    );
    results.push(...helmResults.map(report));
    results.push(...(await validateManifests(venv.kubernetesValidate, rendered)).map(report));
    const rel = (p: string) => path.relative(projectRoot, p);
    log(`checkov over ${rel(CHART_DIR)} (rendered), ${rel(TOFU_DIR)}, ${rel(DOCKERFILE)}…`);
    results.push(
      report(await checkovScan(venv.checkov, 'kubernetes', path.join(scratch, 'rendered'))),
    );
    results.push(report(await checkovScan(venv.checkov, 'terraform', TOFU_DIR)));
    results.push(report(await checkovScan(venv.checkov, 'dockerfile', DOCKERFILE)));
    results.push(...(await tofuChecks(tofu, path.join(scratch, 'tofu-data'))).map(report));

    if (args.has('--no-image')) {
      console.log('- cpu image build and run: not run (--no-image)');
    } else {
      const cpu = await buildImage('cpu', log);
      results.push(report(cpu.result));
      if (cpu.tag) {
        results.push(report(await checkNoBuildTools(cpu.tag)));
        results.push(report(await runTinyOnImage(cpu.tag, scratch, log)));
      }
    }
    if (args.has('--gpu-image')) {
      const gpu = await buildImage('gpu', log);
      results.push(report(gpu.result));
      if (gpu.tag) results.push(report(await checkNoBuildTools(gpu.tag)));
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok);
  const notRun = results.filter((r) => r.notRun).length;
  const passed = results.length - failed.length - notRun;
  console.log(`\ncheck:deploy: ${passed} passed, ${failed.length} failed, ${notRun} not run`);
  return failed.length ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch(exitOnError);
