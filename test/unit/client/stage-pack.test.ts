import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadStagePack, StagePackError } from '../../../client/stage-pack.js';
import { stageCatalog } from '../../../pipeline/catalog.js';
import { TOY_STAGE_PACK } from '../../support/toy-stages.js';
import { workerStagePack } from '../../../workers/stage-pack.js';

describe('stage packs (ELO_STAGE_PACK)', () => {
  let dir: string;
  const pack = async (name: string, body: string) => {
    const file = path.join(dir, `${name}.mjs`);
    await writeFile(file, body);
    return { ELO_STAGE_PACK: file };
  };
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-pack-'));
  });

  it('unset: nothing loaded, the catalog is the build’s', async () => {
    assert.equal(await loadStagePack({}), undefined);
    assert.equal(await workerStagePack({}), undefined);
    assert.equal(stageCatalog.get('toy-train'), undefined);
  });

  it('the toy pack: its stages join the catalog, workers get its implementations and an executor entry', async () => {
    const loaded = await workerStagePack({ ELO_STAGE_PACK: TOY_STAGE_PACK });
    assert.ok(loaded);
    assert.equal(stageCatalog.require('toy-train').queue, 'gpu');
    assert.ok(stageCatalog.get('train'), 'the built-in stages stay');
    assert.deepEqual(loaded.implementations.map((i) => i.stage.name).sort(), [
      'toy-concat',
      'toy-flaky',
      'toy-reject',
      'toy-train',
      'toy-write-text',
    ]);
    // The entry point is the built-in executor over both catalogs, loadable as is.
    const entry = (await import(pathToFileURL(loaded.workflowsPath).href)) as Record<
      string,
      unknown
    >;
    assert.equal(typeof entry['runPipeline'], 'function');
    // Loading again (CLI hook, then workers) registers nothing twice.
    assert.equal((await loadStagePack({ ELO_STAGE_PACK: TOY_STAGE_PACK }))?.stages.length, 5);
  });

  it('a module that is missing, exports no stages, collides with a built-in stage, or lacks implementations: one line naming the variable and the file', async () => {
    const missing = path.join(dir, 'nope.js');
    await assert.rejects(
      loadStagePack({ ELO_STAGE_PACK: missing }),
      (err: Error) =>
        err instanceof StagePackError &&
        err.message.startsWith(`ELO_STAGE_PACK=${missing}: cannot load it`) &&
        /unset it/.test(err.message),
    );
    await assert.rejects(
      loadStagePack(await pack('no-stages', 'export const stages = [{ name: "x" }];')),
      /no-stages\.mjs: `stages` is not a list of stage definitions \(defineStage\)/,
    );
    const clash = await pack(
      'clash',
      `import { trainStage } from ${JSON.stringify(pathToFileURL(path.resolve('dist/pipeline/stages/elo.js')).href)};
       export const stages = [{ ...trainStage }];`,
    );
    await assert.rejects(loadStagePack(clash), /clash\.mjs: stage "train" registered twice/);
    const toys = pathToFileURL(path.resolve('dist/test/fixtures/toy-stages/stages.js')).href;
    const noImpls = await pack(
      'no-impls',
      `import { TOY_STAGES } from ${JSON.stringify(toys)}; export const stages = TOY_STAGES;`,
    );
    await assert.rejects(
      workerStagePack(noImpls),
      /no-impls\.mjs: `implementations` is not a list of stage implementations/,
    );
  });
});
