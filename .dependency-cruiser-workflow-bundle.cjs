// The workflow bundle's runtime import closure (what bundleWorkflowCode packs from
// workflows/index.ts), checked by `npm run lint:imports`. Type-only imports are left out of the
// graph (tsPreCompilationDeps: false): they vanish when compiled, so workflows may name activity
// or storage types. What the bundle may not carry, through any chain of imports, is below.
const { builtinModules } = require('node:module');

const builtins = builtinModules.filter((m) => !m.startsWith('_')).join('|');

module.exports = {
  forbidden: [
    {
      name: 'workflow-bundle-stays-workflow-safe',
      comment:
        'Replayed workflow code: no zod, no storage/, engine/, formats/, activities/ (or any Node-only room), no Node built-ins, no tfjs or AWS SDK.',
      severity: 'error',
      from: { path: '^workflows/index\\.ts$' },
      to: {
        reachable: true,
        path: [
          '(^|/)node_modules/(zod|@tensorflow|@aws-sdk|yaml)/',
          '^(storage|engine|formats|activities|workers|client|cli|infra|dataprep|reports)/',
          `^(node:)?(${builtins})(/|$)`,
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
