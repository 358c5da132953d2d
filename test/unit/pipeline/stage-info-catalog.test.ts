import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stageCatalog } from '../../../pipeline/catalog.js';
import { stageInfoCatalog } from '../../../pipeline/stage-info-catalog.js';
import { stageInfoOf } from '../../../pipeline/stage.js';

describe('the workflow stage catalog (pipeline/stage-info-catalog.ts)', () => {
  it('is the plain part of every stage definition, as generated: rerun `npm run gen:stage-info`', () => {
    assert.deepEqual(stageInfoCatalog.all(), stageCatalog.all().map(stageInfoOf));
  });

  it('holds plain data only: it survives a JSON round trip unchanged', () => {
    const infos = stageInfoCatalog.all();
    assert.deepEqual(JSON.parse(JSON.stringify(infos)), infos);
  });
});
