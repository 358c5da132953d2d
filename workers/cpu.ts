// The cpu worker: `node dist/workers/cpu.js` (settings from the environment, see worker-env.ts).
import { runWorkersMain } from './run-workers.js';

runWorkersMain('cpu');
