// The ELO stages' implementations, by queue: training on gpu workers, the rest on cpu workers.
import { detachActivity } from './detach.js';
import { evaluateActivity } from './evaluate.js';
import { importModelActivity } from './import-model.js';
import { prepareDataActivity } from './prepare-data.js';
import { reintegrateActivity } from './reintegrate.js';
import { reportActivity } from './report.js';
import { trainActivity } from './train.js';

export const ELO_CPU_STAGES = [
  importModelActivity,
  prepareDataActivity,
  detachActivity,
  reintegrateActivity,
  evaluateActivity,
  reportActivity,
] as const;
export const ELO_GPU_STAGES = [trainActivity] as const;
