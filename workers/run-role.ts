// `npm run worker -- cpu|gpu|all`: the worker entry point for a role named on the command line.
import { runWorkersMain } from './run-workers.js';

const role = process.argv[2];
if (role !== 'cpu' && role !== 'gpu' && role !== 'all') {
  console.error(`usage: npm run worker -- cpu|gpu|all (got ${role ?? 'nothing'})`);
  process.exit(2);
}
runWorkersMain(role);
