// The deployment files under the real tools (helm, kubernetes-validate, checkov; installed pinned
// into the tools folder on first use), and what the rendered chart must say. `npm run
// check:deploy` runs these too, plus tofu and the image build and run.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  DOCKERFILE,
  TOFU_DIR,
  checkovScan,
  helmChecks,
  validateManifests,
  type CheckResult,
} from '../../infra/deploy-checks.js';
import { ensureDeployVenv, ensureHelm } from '../../infra/deploy-tools.js';

const okAll = (results: CheckResult[]) => {
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.summary}\n${r.detail ?? ''}`);
};

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & {
    template?: { spec: PodSpec };
  };
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string }[];
  containers: {
    env: { name: string; value?: string; valueFrom?: unknown }[];
    ports: { name: string; containerPort: number }[];
    resources: {
      requests: Record<string, string | number>;
      limits: Record<string, string | number>;
    };
    securityContext: { runAsNonRoot: boolean; readOnlyRootFilesystem: boolean };
  }[];
}

describe('deployment files (helm, kubernetes-validate, checkov)', () => {
  let tools: { helm: string; checkov: string; kubernetesValidate: string };
  let rendered: string[];
  let dir: string;
  before(async () => {
    const [helm, venv] = await Promise.all([ensureHelm(), ensureDeployVenv()]);
    tools = { helm, ...venv };
    dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'deploy-'));
  });

  it('the chart lints and renders with every ci values file, and refuses to render without the required ones', async () => {
    const out = await helmChecks(tools.helm, path.join(dir, 'rendered'));
    okAll(out.results);
    rendered = out.rendered;
    assert.equal(rendered.length, 2);
  });

  it('the rendered manifests validate strictly against Kubernetes 1.27 and 1.37', async () => {
    okAll(await validateManifests(tools.kubernetesValidate, rendered));
  });

  it('checkov finds no failed check in the manifests, the OpenTofu module or the Dockerfile', async () => {
    okAll([
      await checkovScan(tools.checkov, 'kubernetes', path.join(dir, 'rendered')),
      await checkovScan(tools.checkov, 'terraform', TOFU_DIR),
      await checkovScan(tools.checkov, 'dockerfile', DOCKERFILE),
    ]);
  });

  it('each pool: resources from its memory budget, a grace period that covers a checkpoint, metrics on the declared port', async () => {
    const file = rendered.find((f) => f.endsWith('api-key-keda-values.yaml'))!;
    const objects = parseAllDocuments(await readFile(file, 'utf8'))
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    const deployment = (pool: string) =>
      objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith(`-${pool}`))!;
    // values.yaml: cpu budget 6 + overhead 2 GiB, grace 60 + checkpoint 60 s; gpu 48 + 8, 0 + 300.
    for (const [pool, budgetGiB, memory, grace] of [
      ['cpu', 6, '8Gi', 150],
      ['gpu', 48, '56Gi', 330],
    ] as const) {
      const spec = deployment(pool).spec.template!.spec;
      const c = spec.containers[0]!;
      const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
      assert.equal(env['ELO_WORKER_ROLE'], pool);
      assert.equal(env['ELO_MEMORY_BUDGET'], String(budgetGiB * 2 ** 30));
      assert.equal(c.resources.requests['memory'], memory);
      assert.equal(c.resources.limits['memory'], memory);
      assert.equal(spec.terminationGracePeriodSeconds, grace);
      assert.equal(env['ELO_METRICS_ADDRESS'], `0.0.0.0:${c.ports[0]!.containerPort}`);
      assert.equal(c.ports[0]!.name, 'metrics');
      assert.ok(c.securityContext.runAsNonRoot && c.securityContext.readOnlyRootFilesystem);
      assert.ok(c.env.some((e) => e.name === 'TEMPORAL_API_KEY' && e.valueFrom && !e.value));
    }
    const gpu = deployment('gpu').spec.template!.spec;
    assert.equal(gpu.containers[0]!.resources.limits['nvidia.com/gpu'], 1);
    assert.equal(gpu.nodeSelector?.['nvidia.com/gpu.present'], 'true');
    assert.ok(gpu.tolerations?.some((t) => t.key === 'nvidia.com/gpu'));
    // KEDA owns the replica count of a scaled pool; each pool scales on its own queue.
    assert.equal(deployment('cpu').spec['replicas'], undefined);
    const scaled = objects.filter((o) => o.kind === 'ScaledObject');
    assert.deepEqual(
      scaled.map(
        (o) => (o.spec['triggers'] as { metadata: { taskQueue: string } }[])[0]!.metadata.taskQueue,
      ),
      ['elo-cpu', 'elo-gpu'],
    );
    assert.equal(objects.filter((o) => o.kind === 'PodDisruptionBudget').length, 2);
  });
});
