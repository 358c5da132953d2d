// The toy stages (test/fixtures/toy-stages/) for the tests: the stage pack every CLI and worker
// the tests start loads (ELO_STAGE_PACK, set here for this process and so for its children), and
// the same pack in this process for in-process workers.
import { fileURLToPath } from 'node:url';
import { STAGE_PACK_ENV } from '../../client/stage-pack.js';
import { workerStagePack, type WorkerStagePack } from '../../workers/stage-pack.js';

/** dist/test/support/ → dist/test/fixtures/toy-stages/pack.js */
export const TOY_STAGE_PACK = fileURLToPath(
  new URL('../fixtures/toy-stages/pack.js', import.meta.url),
);

process.env[STAGE_PACK_ENV] = TOY_STAGE_PACK;

/** The toy pack, its stages registered in the stage catalog of this process. */
export async function toyStages(): Promise<WorkerStagePack> {
  const pack = await workerStagePack({ [STAGE_PACK_ENV]: TOY_STAGE_PACK });
  if (!pack) throw new Error('unreachable: the toy stage pack is named');
  return pack;
}
