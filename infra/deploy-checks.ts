/**
 * The static checks of the deployment files, each with the real tool: helm lint and template of
 * the chart, the rendered manifests against Kubernetes' schemas, checkov over the manifests, the
 * OpenTofu module and the Dockerfile, and tofu fmt/validate. Used by `npm run check:deploy` and
 * (all but tofu) by the test suite.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from './project-paths.js';
import { runCommand, tailLines } from './run-command.js';

export const DEPLOY_DIR = path.join(projectRoot, 'infra', 'deploy');
export const CHART_DIR = path.join(DEPLOY_DIR, 'chart', 'elo-worker');
export const TOFU_DIR = path.join(DEPLOY_DIR, 'tofu');
export const DOCKERFILE = path.join(DEPLOY_DIR, 'image', 'Dockerfile');
/** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest with schemas. */
export const KUBE_VERSIONS = ['1.27.0', '1.37.0'] as const;
/** Custom resources kubernetes-validate has no schema for; everything else must validate. */
const CRD_KINDS = ['ScaledObject', 'TriggerAuthentication', 'PodMonitor'];

export interface CheckResult {
  name: string;
  ok: boolean;
  /** One line for the summary: what passed, counts, or why it was not run. */
  summary: string;
  /** Could not run on this machine (the summary says why); not a failure. */
  notRun?: boolean;
  /** Tool output worth showing on failure. */
  detail?: string;
}

/** The values files the chart is checked with (one per supported setup). */
export async function chartValueFiles(): Promise<string[]> {
  const dir = path.join(CHART_DIR, 'ci');
  return (await readdir(dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** helm lint and template with each values file; the rendered manifests land in `outDir`. */
export async function helmChecks(
  helm: string,
  outDir: string,
): Promise<{ results: CheckResult[]; rendered: string[] }> {
  const results: CheckResult[] = [];
  const rendered: string[] = [];
  await mkdir(outDir, { recursive: true });
  for (const values of await chartValueFiles()) {
    const name = path.basename(values, '.yaml');
    const lint = await runCommand(helm, [
      ...['lint', CHART_DIR, '--strict', '-f', values],
      ...['--kube-version', KUBE_VERSIONS[0]],
    ]);
    results.push({
      name: `helm lint (${name})`,
      ok: lint.code === 0,
      summary: lastLine(lint.stdout),
      detail: lint.stdout + lint.stderr,
    });
    const out = await runCommand(helm, [
      ...['template', 'elo', CHART_DIR, '--namespace', 'elo', '-f', values],
      ...['--kube-version', KUBE_VERSIONS[1]],
    ]);
    const kinds = [...out.stdout.matchAll(/^kind: (\w+)/gm)].map((m) => m[1]);
    results.push({
      name: `helm template (${name})`,
      ok: out.code === 0,
      summary: out.code === 0 ? `${kinds.length} objects: ${count(kinds)}` : lastLine(out.stderr),
      detail: out.stderr,
    });
    if (out.code === 0) {
      const file = path.join(outDir, `${name}.yaml`);
      await writeFile(file, out.stdout);
      rendered.push(file);
    }
  }
  // Without the required values the chart must refuse to render, naming what is missing.
  const bare = await runCommand(helm, ['template', 'elo', CHART_DIR]);
  const named = /temporal\/address/.test(bare.stderr) && /temporal\/namespace/.test(bare.stderr);
  results.push({
    name: 'helm template (no values)',
    ok: bare.code !== 0 && named,
    summary:
      bare.code !== 0 && named
        ? 'refused, naming temporal.address and temporal.namespace'
        : `expected a schema error naming temporal.address and temporal.namespace, got: ${lastLine(bare.stderr || bare.stdout)}`,
  });
  return { results, rendered };
}

/** kubernetes-validate --strict at each supported version; only the CRD kinds may lack a schema. */
export async function validateManifests(kv: string, files: string[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const version of KUBE_VERSIONS) {
    const out = await runCommand(kv, ['--strict', '-k', version, ...files]);
    const lines = (out.stdout + out.stderr).split('\n');
    const passed = lines.filter((l) => / passed for resource /.test(l)).length;
    const problems = lines.filter(
      (l) =>
        /^(ERROR|WARN)/.test(l) &&
        !CRD_KINDS.some((k) => l.includes(`Couldn't find schema for kind ${k} `)),
    );
    const crds = lines.filter((l) => /Couldn't find schema for kind/.test(l)).length;
    results.push({
      name: `kubernetes-validate ${version}`,
      ok: out.code === 0 && problems.length === 0 && passed > 0,
      summary: `${passed} resources valid (strict); ${crds} custom resources (${CRD_KINDS.join(', ')}) have no schema there`,
      detail: problems.join('\n') || tailLines(out.stdout + out.stderr, 20),
    });
  }
  return results;
}

interface CheckovReport {
  check_type: string;
  summary: { passed: number; failed: number; skipped: number };
  results: { failed_checks?: { check_id: string; resource: string; file_path: string }[] };
}

/** checkov over a folder or file with one framework; any failed check fails (skips name reasons in the files). */
export async function checkovScan(
  checkov: string,
  framework: 'kubernetes' | 'terraform' | 'dockerfile',
  target: string,
): Promise<CheckResult> {
  const out = await runCommand(
    checkov,
    [
      ...(target.endsWith('Dockerfile') ? ['-f', target] : ['-d', target]),
      ...['--framework', framework, '--output', 'json', '--quiet', '--compact'],
      // No calls home: the guideline download only adds links to the report.
      '--skip-download',
    ],
    { env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' } },
  );
  let reports: CheckovReport[];
  try {
    const parsed = JSON.parse(out.stdout) as CheckovReport | CheckovReport[];
    reports = Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return {
      name: `checkov ${framework}`,
      ok: false,
      summary: `checkov gave no JSON report (exit ${out.code})`,
      detail: tailLines(out.stderr || out.stdout, 20),
    };
  }
  const sum = (k: 'passed' | 'failed' | 'skipped') =>
    reports.reduce((n, r) => n + (r.summary?.[k] ?? 0), 0);
  const failed = reports.flatMap((r) => r.results.failed_checks ?? []);
  return {
    name: `checkov ${framework}`,
    ok: sum('failed') === 0 && sum('passed') > 0,
    summary: `${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped (reasons in the files)`,
    detail: failed.map((f) => `${f.check_id} ${f.resource} (${f.file_path})`).join('\n'),
  };
}

/**
 * tofu fmt -check, then init (no backend) and validate. init needs the aws provider from the
 * OpenTofu registry; where that registry cannot be reached, validate is reported as not run, with
 * the reason, and does not fail the check: fmt and checkov still cover the module.
 */
export async function tofuChecks(tofu: string, dataDir: string): Promise<CheckResult[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_DATA_DIR: dataDir, TF_IN_AUTOMATION: '1' };
  // A TF_CLI_CONFIG_FILE naming no file only adds a warning to every command.
  if (env['TF_CLI_CONFIG_FILE'] && !existsSync(env['TF_CLI_CONFIG_FILE']))
    delete env['TF_CLI_CONFIG_FILE'];
  const fmt = await runCommand(tofu, ['fmt', '-check', '-recursive', '-diff'], {
    cwd: TOFU_DIR,
    env,
  });
  const results: CheckResult[] = [
    {
      name: 'tofu fmt -check',
      ok: fmt.code === 0,
      summary: fmt.code === 0 ? 'formatted' : 'files need `tofu fmt`',
      detail: fmt.stdout + fmt.stderr,
    },
  ];
  const init = await runCommand(tofu, ['init', '-backend=false', '-input=false', '-no-color'], {
    cwd: TOFU_DIR,
    env,
    timeoutMs: 10 * 60_000,
  });
  if (init.code !== 0) {
    const text = init.stderr + init.stdout;
    const unreachable =
      /registry\.opentofu\.org|registry\.terraform\.io|github\.com/.test(text) &&
      /(no such host|dial tcp|i\/o timeout|connection refused|could not connect|Failed to query available provider packages|certificate)/i.test(
        text,
      );
    results.push({
      name: 'tofu validate',
      ok: unreachable,
      notRun: unreachable,
      summary: unreachable
        ? `not run: \`tofu init\` cannot download the hashicorp/aws provider here (${reason(text)}); ` +
          'providers come from the OpenTofu registry and GitHub releases, not a package registry this machine reaches'
        : `tofu init failed: ${lastLine(text)}`,
      detail: tailLines(text, 15),
    });
    return results;
  }
  const validate = await runCommand(tofu, ['validate', '-no-color'], { cwd: TOFU_DIR, env });
  results.push({
    name: 'tofu validate',
    ok: validate.code === 0,
    summary: lastLine(validate.stdout || validate.stderr),
    detail: validate.stdout + validate.stderr,
  });
  return results;
}

/** tofu wraps its errors across lines: the sentence that says what could not be reached. */
function reason(text: string): string {
  const flat = text.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');
  const m =
    /(could not connect to .*?(?:no such host|i\/o timeout|connection refused|certificate[^.]*))/i.exec(
      flat,
    );
  return (m?.[1] ?? lastLine(text)).slice(0, 300);
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .at(-1) ?? ''
  );
}

/** `Deployment ×2, Service ×1` */
function count(items: (string | undefined)[]): string {
  const m = new Map<string, number>();
  for (const i of items) if (i) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m].map(([k, n]) => `${k} ×${n}`).join(', ');
}
