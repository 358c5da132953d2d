import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../../infra/project-paths.js';
import { elo } from '../../support/run-elo.js';

describe('elo validate: layers out of range are found before a run starts', () => {
  it('names the index, the model and its layer count; exit 2', async () => {
    const dir = await mkdtemp(path.join(process.env['ELO_TEST_SCRATCH'] ?? os.tmpdir(), 'layers-'));
    const demo = await readFile(path.join(projectRoot, 'examples', 'demo.yaml'), 'utf8');
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(
      bad,
      demo
        .replace('../data/models', path.join(projectRoot, 'data', 'models'))
        .replace(/layers: \[0, -1\]/, 'layers: [0, 17, -1]'),
    );
    const out = await elo('validate', bad);
    assert.equal(out.code, 2, out.stderr);
    assert.match(
      out.stderr,
      /elo\.layers\[1\]: layer 17 is out of range for \S+base-en-ko-5m \(16 layers: valid -16\.\.15\)/,
    );
  });
});
