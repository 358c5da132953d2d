// The all worker: `node dist/workers/all.js` (settings from the environment, see worker-env.ts).
import { runWorkersMain } from './run-workers.js';

runWorkersMain('all');
