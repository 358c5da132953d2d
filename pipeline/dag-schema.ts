import { z } from 'zod';
import { slotNames } from './stage.js';
import type { StageRegistry } from './stage-registry.js';

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
export type DagNode = z.input<typeof DagNodeSchema>;
export type DagSpec = z.input<typeof DagSpecSchema>;

/** A node after validation: params parsed (defaults filled), every input resolved. */
export interface ResolvedNode {
  id: string;
  stage: string;
  params: unknown;
  needs: Record<string, { node: string; output: string }>;
  options?: z.output<typeof DagNodeSchema>['options'];
}
export interface ValidDag {
  name: string;
  /** Topological order: every node after the nodes it needs. */
  nodes: ResolvedNode[];
}

export class DagValidationError extends Error {
  override readonly name = 'DagValidationError';
  constructor(
    readonly dagName: string,
    readonly problems: string[],
  ) {
    super(
      `DAG "${dagName}" is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

/** Validates a DAG against the registry; throws one error listing every problem found. */
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
  const problems: string[] = [];
  const nodes = shape.data.nodes;
  const byId = new Map<string, (typeof nodes)[number]>();
  for (const node of nodes) {
    if (byId.has(node.id)) problems.push(`node "${node.id}": id used twice`);
    byId.set(node.id, node);
  }

  const resolved: ResolvedNode[] = [];
  for (const node of nodes) {
    const where = `node "${node.id}"`;
    const stage = registry.get(node.stage);
    if (!stage) {
      problems.push(
        `${where}: unknown stage "${node.stage}" (known: ${registry.names().join(', ')})`,
      );
      continue;
    }
    const params = stage.params.safeParse(node.params);
    if (!params.success) {
      for (const issue of params.error.issues)
        problems.push(`${where}: params${formatPath(issue.path)}: ${issue.message}`);
    }
    const inputs = slotNames(stage.inputs);
    const needs: ResolvedNode['needs'] = {};
    for (const input of inputs) {
      if (input.required && node.needs[input.name] === undefined) {
        problems.push(
          `${where}: input "${input.name}" of stage ${stage.name} is not wired in needs`,
        );
      }
    }
    for (const [input, ref] of Object.entries(node.needs)) {
      if (!inputs.some((i) => i.name === input)) {
        problems.push(
          `${where}: needs "${input}", which stage ${stage.name} has no input of ` +
            `(inputs: ${inputs.map((i) => i.name).join(', ') || 'none'})`,
        );
        continue;
      }
      const target = resolveNeed(ref, input, byId, registry);
      if (typeof target === 'string') problems.push(`${where}: needs.${input}: ${target}`);
      else needs[input] = target;
    }
    resolved.push({
      id: node.id,
      stage: node.stage,
      params: params.data ?? node.params,
      needs,
      ...(node.options ? { options: node.options } : {}),
    });
  }

  const order = topologicalOrder(resolved, problems);
  if (problems.length > 0) throw new DagValidationError(shape.data.name, problems);
  return { name: shape.data.name, nodes: order };
}

function resolveNeed(
  ref: string,
  input: string,
  byId: Map<string, { stage: string }>,
  registry: StageRegistry,
): { node: string; output: string } | string {
  const dot = ref.indexOf('.');
  const nodeId = dot < 0 ? ref : ref.slice(0, dot);
  const upstream = byId.get(nodeId);
  if (!upstream) return `"${ref}" names no node in this DAG`;
  const stage = registry.get(upstream.stage);
  if (!stage) return `"${ref}": node "${nodeId}" has an unknown stage`;
  const outputs = slotNames(stage.outputs).map((o) => o.name);
  if (dot >= 0) {
    const output = ref.slice(dot + 1);
    if (!outputs.includes(output)) {
      return `node "${nodeId}" (${stage.name}) has no output "${output}" (outputs: ${outputs.join(', ')})`;
    }
    return { node: nodeId, output };
  }
  if (outputs.includes(input)) return { node: nodeId, output: input };
  if (outputs.length === 1) return { node: nodeId, output: outputs[0] as string };
  return `node "${nodeId}" (${stage.name}) has outputs ${outputs.join(', ')}: write "${nodeId}.<output>"`;
}

/** Kahn's algorithm; nodes left over sit on a cycle, which is reported as a path. */
function topologicalOrder(nodes: ResolvedNode[], problems: string[]): ResolvedNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const deps = new Map(
    nodes.map((n) => [n.id, new Set(Object.values(n.needs).map((t) => t.node))] as const),
  );
  const order: ResolvedNode[] = [];
  const done = new Set<string>();
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const node of nodes) {
      if (done.has(node.id)) continue;
      if ([...(deps.get(node.id) ?? [])].every((d) => done.has(d) || !byId.has(d))) {
        done.add(node.id);
        order.push(node);
        progressed = true;
      }
    }
  }
  const left = nodes.filter((n) => !done.has(n.id));
  if (left.length > 0) problems.push(`cycle: ${findCycle(left, deps).join(' -> ')}`);
  return order;
}

function findCycle(left: ResolvedNode[], deps: Map<string, Set<string>>): string[] {
  const leftIds = new Set(left.map((n) => n.id));
  // Walk dependencies from any leftover node; the walk must revisit a node: that loop is a cycle.
  const path: string[] = [];
  let current = (left[0] as ResolvedNode).id;
  while (!path.includes(current)) {
    path.push(current);
    current = [...(deps.get(current) ?? [])].find((d) => leftIds.has(d)) as string;
  }
  const cycle = path.slice(path.indexOf(current));
  return [...cycle, current].reverse();
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}
