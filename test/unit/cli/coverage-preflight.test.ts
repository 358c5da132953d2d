import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../../infra/project-paths.js';
import { elo } from '../../support/run-elo.js';

describe('elo validate: the coverage preflight', () => {
  it('warns on a language the base never saw (Greek, data/corpora-unseen) and gives the cost', async () => {
    const out = await elo('validate', path.join(projectRoot, 'examples', 'unseen-language.yaml'));
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /coverage of el by the base model: el 0\.9\d+ tokens\/byte/);
    assert.match(
      out.stdout,
      /warning: the base model has essentially not seen el .*frozen embeddings \(ELO's default\) it cannot learn it/,
    );
    assert.match(
      out.stdout,
      /that costs training memory \S+ MB -> \S+ MB \(memory model\), [\d.]+x the FLOPs/,
    );
  });

  it('gives the figures and no warning for the demo (Korean)', async () => {
    const out = await elo('validate', path.join(projectRoot, 'examples', 'demo.yaml'));
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /coverage of ko by the base model: ko 0\.\d+ tokens\/byte \([\d.]+ bits\/byte\)/,
    );
    assert.doesNotMatch(out.stdout, /warning/);
  });
});
