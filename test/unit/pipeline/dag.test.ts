import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { stageCatalog } from '../../../pipeline/catalog.js';
import { TOY_STAGES } from '../../fixtures/toy-stages/stages.js';

/** This build's stages and the toy ones the examples below use. */
const stages = new StageRegistry([...stageCatalog.all(), ...TOY_STAGES]);
import { DagValidationError, type DagSpec } from '../../../pipeline/dag.js';
import { validateDag } from '../../../pipeline/dag-schema.js';
import { StageRegistry } from '../../../pipeline/stage-registry.js';
import { artifacts, defineStage } from '../../../pipeline/stage.js';

function problemsOf(spec: unknown, registry = stages): string[] {
  try {
    validateDag(spec, registry);
  } catch (err) {
    assert.ok(err instanceof DagValidationError, `expected DagValidationError, got ${String(err)}`);
    assert.ok(err.message.includes(err.problems[0] as string));
    return err.problems;
  }
  assert.fail('DAG was accepted');
}

describe('validateDag', () => {
  it('accepts a diamond, fills param defaults and orders nodes topologically', () => {
    const dag = validateDag(
      {
        name: 'diamond',
        nodes: [
          { id: 'join', stage: 'toy-concat', needs: { a: 'left', b: 'right.text' } },
          { id: 'left', stage: 'toy-write-text', params: { text: 'L' } },
          { id: 'right', stage: 'toy-write-text', params: { text: 'R', delayMs: 5 } },
        ],
      },
      stages,
    );
    assert.deepEqual(
      dag.nodes.map((n) => n.id),
      ['left', 'right', 'join'],
    );
    const join = dag.nodes[2];
    assert.deepEqual(join?.needs, {
      a: { node: 'left', output: 'text' },
      b: { node: 'right', output: 'text' },
    });
    assert.deepEqual(join?.params, { separator: '\n', delayMs: 0 });
  });

  it('lists every problem at once: unknown stage, params with their path, inputs, cycle', () => {
    const problems = problemsOf({
      name: 'broken',
      nodes: [
        { id: 'a', stage: 'no-such-stage' },
        { id: 'b', stage: 'toy-write-text', params: { text: 7, delayMs: -1 } },
        { id: 'c', stage: 'toy-concat', needs: { b: 'b', z: 'b' } },
        { id: 'd', stage: 'toy-concat', needs: { a: 'e' } },
        { id: 'e', stage: 'toy-concat', needs: { a: 'd' } },
        { id: 'f', stage: 'toy-concat', needs: { a: 'b.nope' } },
        { id: 'g', stage: 'toy-concat', needs: { a: 'ghost' } },
      ],
    });
    const expected = [
      /node "a": unknown stage "no-such-stage" \(known: .*toy-concat/,
      /node "b": params\.text: .*string/i,
      /node "b": params\.delayMs: .*>=\s*0/i,
      /node "c": input "a" of stage toy-concat is not wired/,
      /node "c": needs "z", which stage toy-concat has no input of \(inputs: a, b\)/,
      /node "f": needs\.a: node "b" \(toy-write-text\) has no output "nope"/,
      /node "g": needs\.a: "ghost" names no node/,
      /cycle: (d -> e -> d|e -> d -> e)/,
    ];
    for (const pattern of expected) {
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `no problem matches ${pattern}:\n${problems.join('\n')}`,
      );
    }
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });

  it('rejects a malformed spec with the path of each problem', () => {
    const problems = problemsOf({ name: 'x', nodes: [{ id: 'has space', stage: 'toy-concat' }] });
    assert.match(problems.join('\n'), /nodes\[0\]\.id: letters, digits/);
    assert.deepEqual(problemsOf({ name: 'empty', nodes: [] }).length, 1);
  });

  it('reports duplicate ids and a self-dependency', () => {
    const problems = problemsOf({
      name: 'dupes',
      nodes: [
        { id: 'a', stage: 'toy-write-text', params: { text: '' } },
        { id: 'a', stage: 'toy-write-text', params: { text: '' } },
        { id: 's', stage: 'toy-concat', needs: { a: 's' } },
      ],
    } satisfies DagSpec);
    assert.ok(problems.some((p) => /node "a": id used twice/.test(p)));
    assert.ok(problems.some((p) => /cycle: s -> s/.test(p)));
  });

  it('asks for an explicit output when the upstream stage has several', () => {
    const two = defineStage({
      name: 'two-out',
      version: '1',
      queue: 'cpu',
      params: z.object({}),
      inputs: artifacts({}),
      outputs: artifacts({ x: 'required', y: 'required' }),
      timeouts: { startToClose: '1m' },
    });
    const one = defineStage({ ...two, name: 'one-in', inputs: artifacts({ z: 'required' }) });
    const registry = new StageRegistry([two, one]);
    const problems = problemsOf(
      {
        name: 'ambiguous',
        nodes: [
          { id: 'src', stage: 'two-out' },
          { id: 'dst', stage: 'one-in', needs: { z: 'src' } },
        ],
      },
      registry,
    );
    assert.match(problems[0] ?? '', /has outputs x, y: write "src.<output>"/);
  });
});

describe('StageRegistry', () => {
  it('refuses duplicate and non-kebab names', () => {
    const registry = new StageRegistry(TOY_STAGES);
    assert.throws(() => registry.register(stages.require('toy-concat')), /registered twice/);
    assert.throws(
      () => registry.register({ ...stages.require('toy-concat'), name: 'BadName' }),
      /kebab-case/,
    );
    assert.throws(() => registry.require('nope'), /unknown stage "nope" \(known: toy-concat/);
  });
});
