import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { elo } from '../../support/run-elo.js';
import { makeModelFolder, TINY_CONFIG, withTempDir } from './helpers.js';

describe('elo model (built CLI)', () => {
  it('inspects, detaches and reintegrates a generated model', async () => {
    await withTempDir(async (dir) => {
      const base = await makeModelFolder(path.join(dir, 'base'), {
        ...TINY_CONFIG,
        tieWordEmbeddings: true,
      });
      const inspect = await elo('model', 'inspect', base, '--json');
      assert.equal(inspect.code, 0, inspect.stderr);
      const s = JSON.parse(inspect.stdout);
      const perLayer = 16 + 16 * 16 + 8 * 16 * 2 + 16 * 16 + 16 + 3 * 32 * 16;
      assert.equal(s.architecture, 'LlamaForCausalLM');
      assert.equal(s.numHiddenLayers, 4);
      assert.deepEqual(s.parameters, {
        total: 64 * 16 + 4 * perLayer + 16,
        embedding: 64 * 16,
        layers: 4 * perLayer,
        perLayer,
        finalNorm: 16,
        head: 0,
      });
      assert.deepEqual(s.dtypes, { BF16: 38 });
      assert.match(s.weightsSha256, /^[0-9a-f]{64}$/);

      const text = await elo('model', 'inspect', base);
      assert.equal(text.code, 0);
      assert.match(text.stdout, /architecture +LlamaForCausalLM \(llama\)/);
      assert.match(text.stdout, /head tied/);

      const elo1 = path.join(dir, 'elo');
      const d = await elo('model', 'detach', base, elo1, '--layers', '0,-1');
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /Detached layers 0, 3 of 4/);
      const e = JSON.parse((await elo('model', 'inspect', elo1, '--json')).stdout);
      assert.equal(e.numHiddenLayers, 2);

      const merged = path.join(dir, 'merged');
      const r = await elo('model', 'reintegrate', base, elo1, merged);
      assert.equal(r.code, 0, r.stderr);
      const m = JSON.parse((await elo('model', 'inspect', merged, '--json')).stdout);
      assert.equal(m.weightsSha256, s.weightsSha256);
    });
  });

  it('answers bad input with one sentence and exit code 2, failures with 1', async () => {
    await withTempDir(async (dir) => {
      const base = await makeModelFolder(path.join(dir, 'base'));
      const cases: [string[], RegExp][] = [
        [['model', 'inspect', path.join(dir, 'none')], /config\.json: missing/],
        [
          ['model', 'detach', base, path.join(dir, 'x'), '--layers', '0,9'],
          /layer 9 is out of range/,
        ],
        [['model', 'detach', base, path.join(dir, 'x'), '--layers', '1,-3'], /listed twice/],
        [['model', 'detach', base, path.join(dir, 'x'), '--max-shard-size', 'lots'], /not a size/],
        [['model', 'reintegrate', base, base, path.join(dir, 'y')], /detach\.json: unreadable/],
        [['model', 'inspect'], /missing required argument 'folder'/],
        [['model', 'inspect', base, '--bogus'], /unknown option '--bogus'/],
      ];
      for (const [args, message] of cases) {
        const r = await elo(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, '');
      }
      const bad = await elo('model', 'inspect', path.join(dir, 'none'));
      assert.equal(bad.stderr.trim().split('\n').length, 1, 'one line');

      await fs.writeFile(path.join(dir, 'file'), '');
      const fail = await elo('model', 'detach', base, path.join(dir, 'file', 'out'));
      assert.equal(fail.code, 1, fail.stderr);
      assert.match(fail.stderr, /^elo: .*(ENOTDIR|EEXIST)/);
    });
  });
});
