import { z } from 'zod';
import { DagValidationError, resolveDag, type DagSpec, type ValidDag } from './dag.js';
import { stageInfoOf } from './stage.js';
import type { StageInfo } from './stage-info.js';
import { StageRegistry } from './stage-registry.js';

/**
 * A DAG spec is plain data: each node runs one stage with params, and `needs` wires each of the
 * stage's inputs to an upstream node's output: `'nodeId'` (the output named like the input, or
 * the node's only output) or `'nodeId.outputName'`.
 */
export const DagNodeSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'letters, digits, - and _ only'),
  stage: z.string().min(1),
  params: z.unknown().default({}),
  needs: z.record(z.string(), z.string()).default({}),
  /** Per-node overrides of the stage's activity options (a big model needs longer steps). */
  options: z
    .object({
      startToCloseTimeout: z.string().min(1).optional(),
      heartbeatTimeout: z.string().min(1).optional(),
      maximumAttempts: z.number().int().min(1).optional(),
    })
    .strict()
    .optional(),
});
export const DagSpecSchema = z.object({
  name: z.string().min(1),
  nodes: z.array(DagNodeSchema).min(1),
});
// The schema accepts exactly the plain DagSpec of pipeline/dag.ts.
const _sameShape: z.ZodType<DagSpec, DagSpec> = DagSpecSchema;
void _sameShape;

/**
 * Validates a DAG against the full stage definitions: its shape and every node's params by zod
 * (defaults filled in), then the wiring (`resolveDag`). Throws one error listing every problem.
 * Clients run this before starting a run; the workflow, which carries no zod, runs `resolveDag`.
 */
export function validateDag(spec: unknown, registry: StageRegistry): ValidDag {
  const shape = DagSpecSchema.safeParse(spec);
  const name =
    typeof (spec as { name?: unknown })?.name === 'string' ? (spec as { name: string }).name : '?';
  if (!shape.success) {
    throw new DagValidationError(
      name,
      shape.error.issues.map((i) => `${formatPath(i.path).slice(1) || 'spec'}: ${i.message}`),
    );
  }
  const infos = new StageRegistry<StageInfo>(registry.all().map(stageInfoOf));
  return resolveDag(shape.data, infos, (node) => {
    const parsed = registry.require(node.stage).params.safeParse(node.params);
    if (parsed.success) return { params: parsed.data };
    return {
      params: node.params,
      problems: parsed.error.issues.map((i) => `params${formatPath(i.path)}: ${i.message}`),
    };
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}
