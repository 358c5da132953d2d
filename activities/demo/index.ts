import type { StageImplementation } from '../stage-activity.js';
import { concat, flaky, reject, writeText } from './text.js';
import { train } from './train.js';

export const DEMO_CPU_STAGES: readonly StageImplementation[] = [writeText, concat, flaky, reject];
export const DEMO_GPU_STAGES: readonly StageImplementation[] = [train];
