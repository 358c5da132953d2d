// The gpu worker: `node dist/workers/gpu.js` (settings from the environment, see worker-env.ts).
import { runWorkersMain } from './run-workers.js';

runWorkersMain('gpu');
