// `npm run worker -- cpu|gpu|all`: the worker entry point for a role named on the command line,
// or in ELO_WORKER_ROLE (the container images' entrypoint, configured like the rest by env).
import { runWorkersMain } from './run-workers.js';

const role = process.argv[2] ?? process.env['ELO_WORKER_ROLE'];
if (role !== 'cpu' && role !== 'gpu' && role !== 'all') {
  console.error(
    `usage: npm run worker -- cpu|gpu|all, or ELO_WORKER_ROLE=cpu|gpu|all (got ${role ?? 'nothing'})`,
  );
  process.exit(2);
}
runWorkersMain(role);
