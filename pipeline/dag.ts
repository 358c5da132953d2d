import { slotNames, type StageInfo } from './stage-info.js';
import type { StageRegistry } from './stage-registry.js';

// The DAG model in plain TypeScript: the executor workflow resolves DAGs with it, so it holds no
// zod (clients validate shape and params by schema first: pipeline/dag-schema.ts).

/** A DAG node's overrides of its stage's activity options (a big model needs longer steps). */
export interface NodeOptions {
  startToCloseTimeout?: string;
  heartbeatTimeout?: string;
  maximumAttempts?: number;
}

/**
 * One node of a DAG spec: it runs one stage with params, and `needs` wires each of the stage's
 * inputs to an upstream node's output: `'nodeId'` (the output named like the input, or the node's
 * only output) or `'nodeId.outputName'`.
 */
export interface DagNode {
  id: string;
  stage: string;
  params?: unknown;
  needs?: Record<string, string>;
  options?: NodeOptions;
}
export interface DagSpec {
  name: string;
  nodes: DagNode[];
}

/** A node after resolution: every input wired to an upstream output. */
export interface ResolvedNode {
  id: string;
  stage: string;
  /** Parsed by the stage's schema where a client validated the DAG; as written in the workflow. */
  params: unknown;
  needs: Record<string, { node: string; output: string }>;
  options?: NodeOptions;
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

/** A node's params checked by its stage's schema (clients), or taken as written (the workflow). */
export type ParamsCheck = (node: DagNode) => { params: unknown; problems?: string[] };

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Resolves a DAG against the stages' plain data: node ids, known stages, every required input
 * wired to an existing output, no cycles. Throws one DagValidationError listing every problem.
 */
export function resolveDag(
  spec: unknown,
  stages: StageRegistry<StageInfo>,
  checkParams: ParamsCheck = (node) => ({ params: node.params ?? {} }),
): ValidDag {
  const dag = spec as DagSpec;
  const name = typeof dag?.name === 'string' ? dag.name : '?';
  const shape = shapeProblems(spec);
  if (shape.length > 0) throw new DagValidationError(name, shape);
  const problems: string[] = [];
  const byId = new Map<string, DagNode>();
  for (const node of dag.nodes) {
    if (byId.has(node.id)) problems.push(`node "${node.id}": id used twice`);
    byId.set(node.id, node);
  }
  const resolved: ResolvedNode[] = [];
  for (const node of dag.nodes) {
    const stage = stages.get(node.stage);
    if (!stage) {
      problems.push(
        `node "${node.id}": unknown stage "${node.stage}" (known: ${stages.names().join(', ')})`,
      );
      continue;
    }
    const checked = checkParams(node);
    for (const p of checked.problems ?? []) problems.push(`node "${node.id}": ${p}`);
    resolved.push({
      id: node.id,
      stage: node.stage,
      params: checked.params,
      needs: resolveNeeds(node, stage, byId, stages, problems),
      ...(node.options ? { options: node.options } : {}),
    });
  }
  const order = topologicalOrder(resolved, problems);
  if (problems.length > 0) throw new DagValidationError(name, problems);
  return { name, nodes: order };
}

/** What the workflow checks of a DAG nobody validated (started behind the client's back). */
function shapeProblems(spec: unknown): string[] {
  const dag = spec as Partial<DagSpec> | undefined;
  if (typeof dag !== 'object' || dag === null) return ['spec: expected an object'];
  const problems: string[] = [];
  if (typeof dag.name !== 'string' || dag.name === '') problems.push('name: expected a name');
  if (!Array.isArray(dag.nodes) || dag.nodes.length === 0) {
    problems.push('nodes: expected a non-empty array');
    return problems;
  }
  dag.nodes.forEach((node: Partial<DagNode> | undefined, i) => {
    if (typeof node?.id !== 'string' || !NODE_ID.test(node.id))
      problems.push(`nodes[${i}].id: letters, digits, - and _ only`);
    if (typeof node?.stage !== 'string' || node.stage === '')
      problems.push(`nodes[${i}].stage: expected a stage name`);
    const needs = node?.needs ?? {};
    if (typeof needs !== 'object' || Object.values(needs).some((v) => typeof v !== 'string'))
      problems.push(`nodes[${i}].needs: expected input names mapped to "node" or "node.output"`);
  });
  return problems;
}

function resolveNeeds(
  node: DagNode,
  stage: StageInfo,
  byId: Map<string, DagNode>,
  stages: StageRegistry<StageInfo>,
  problems: string[],
): ResolvedNode['needs'] {
  const where = `node "${node.id}"`;
  const wiring = node.needs ?? {};
  const inputs = slotNames(stage.inputs);
  const needs: ResolvedNode['needs'] = {};
  for (const input of inputs) {
    if (input.required && wiring[input.name] === undefined) {
      problems.push(`${where}: input "${input.name}" of stage ${stage.name} is not wired in needs`);
    }
  }
  for (const [input, ref] of Object.entries(wiring)) {
    if (!inputs.some((i) => i.name === input)) {
      problems.push(
        `${where}: needs "${input}", which stage ${stage.name} has no input of ` +
          `(inputs: ${inputs.map((i) => i.name).join(', ') || 'none'})`,
      );
      continue;
    }
    const target = resolveNeed(ref, input, byId, stages);
    if (typeof target === 'string') problems.push(`${where}: needs.${input}: ${target}`);
    else needs[input] = target;
  }
  return needs;
}

function resolveNeed(
  ref: string,
  input: string,
  byId: Map<string, DagNode>,
  stages: StageRegistry<StageInfo>,
): { node: string; output: string } | string {
  const dot = ref.indexOf('.');
  const nodeId = dot < 0 ? ref : ref.slice(0, dot);
  const upstream = byId.get(nodeId);
  if (!upstream) return `"${ref}" names no node in this DAG`;
  const stage = stages.get(upstream.stage);
  if (!stage) return `"${ref}": node "${nodeId}" has an unknown stage`;
  const outputs = Object.keys(stage.outputs);
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
