// The arrows of docs/architecture.md between the rooms (top-level folders), checked over the whole
// import graph by `npm run lint:imports` (part of `npm run lint`, so of `npm test` and CI).
// One rule per arrow: each room lists the rooms it may import; anything else is an error.
// Type-only imports count here (they are still an arrow); the workflow bundle's runtime closure
// is checked apart in .dependency-cruiser-workflow-bundle.cjs, where type-only imports are free.
// test/, bench/ and scripts/ are harnesses: they may import any room, and no room imports them.

const ROOMS =
  '^(workflows|activities|workers|engine|formats|storage|pipeline|client|cli|infra|dataprep|reports|test|bench|scripts)/';
// The scripts that start this project's dev server (npm run services, npm test, the image check):
// they name its search attributes, the one pipeline module infra/ may read.
const INFRA_ENTRY_SCRIPTS = '^infra/(test-run|dev-services|deploy-image-check)\\.ts$';

/** One arrow: modules matching `from` may import only `allowed` (path regexes) and their own room. */
function arrow(name, room, allowed, comment, from = { path: `^${room}/` }) {
  return {
    name,
    comment,
    severity: 'error',
    from,
    to: { path: ROOMS, pathNot: [`^${room}/`, ...allowed] },
  };
}

module.exports = {
  forbidden: [
    arrow(
      'cli-to-client',
      'cli',
      [
        '^client/',
        '^pipeline/',
        '^storage/',
        '^formats/',
        '^engine/(errors|model-folder-tasks)\\.ts$',
        // The coverage preflight (cli/coverage-preflight.ts): samples the training text, costs
        // trainEmbeddings with the memory and FLOP models, before anything is started.
        '^engine/(memory-model|train/embedding-cost)\\.ts$',
        '^dataprep/(index|params|coverage)\\.ts$',
        '^infra/',
      ],
      'cli -> client -> pipeline; the CLI also opens stores, reads model folders and starts local services, never workers, activities or workflow code.',
    ),
    arrow(
      'client-to-pipeline',
      'client',
      [
        '^pipeline/',
        '^formats/',
        '^storage/',
        '^dataprep/shipped-corpora\\.ts$',
        '^infra/project-paths\\.ts$',
        '^workflows/',
      ],
      'client -> pipeline (and the workflow by type only: `typeof runPipeline`, checked in the bundle rule).',
    ),
    arrow(
      'workflows-to-pipeline',
      'workflows',
      ['^pipeline/', '^activities/'],
      'workflows -> pipeline; activities only as types (next rule).',
    ),
    {
      name: 'workflows-activity-types-only',
      comment: 'Workflow code imports activity types only: implementations never enter the bundle.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    arrow(
      'pipeline-workflow-safe',
      'pipeline',
      ['^storage/artifact-ref\\.ts$'],
      'pipeline/ is workflow-safe: itself and the artifact-ref vocabulary only (no client, infra, engine).',
    ),
    {
      name: 'pipeline-no-node-builtins',
      comment: 'pipeline/ is workflow-safe: no Node built-ins.',
      severity: 'error',
      from: { path: '^pipeline/' },
      to: { dependencyTypes: ['core'] },
    },
    arrow(
      'workers-to-activities',
      'workers',
      [
        '^activities/',
        '^engine/',
        '^storage/',
        '^formats/',
        '^pipeline/',
        '^client/(temporal-connection|stage-pack)\\.ts$',
      ],
      'workers -> activities (and the engine backend, stores, the catalog, the Temporal connection).',
    ),
    arrow(
      'activities-to-engine-formats-storage',
      'activities',
      ['^engine/', '^formats/', '^storage/', '^dataprep/', '^reports/', '^pipeline/'],
      'activities -> engine, formats, storage (and dataprep, reports, the stage definitions).',
    ),
    arrow(
      'engine-to-formats-storage',
      'engine',
      ['^formats/', '^storage/'],
      'engine -> formats, storage.',
    ),
    arrow(
      'dataprep-to-formats-storage',
      'dataprep',
      ['^formats/', '^storage/'],
      'dataprep -> formats, storage.',
    ),
    arrow('storage-to-formats', 'storage', ['^formats/'], 'storage -> formats.'),
    arrow('formats-leaf', 'formats', [], 'formats/ is plain TS and imports no other room.'),
    arrow(
      'reports-leaf',
      'reports',
      // The coverage verdict (pure, no imports): the report says what the CLI preflight said.
      ['^dataprep/coverage\\.ts$'],
      'reports/ renders the data it is given.',
    ),
    arrow(
      'infra-to-storage',
      'infra',
      ['^storage/s3-client\\.ts$'],
      'infra/ (local services, deployment) knows no pipeline: callers name the search attributes.',
      { path: '^infra/', pathNot: INFRA_ENTRY_SCRIPTS },
    ),
    arrow(
      'infra-entry-scripts',
      'infra',
      ['^storage/s3-client\\.ts$', '^pipeline/search-attributes\\.ts$'],
      'The scripts that start the dev server name its search attributes, nothing else of pipeline/.',
      { path: INFRA_ENTRY_SCRIPTS },
    ),
    {
      name: 'nothing-imports-cli-or-workers',
      comment:
        'cli/ and workers/ are entry points: no room imports them (test/ and bench/ start them).',
      severity: 'error',
      from: { pathNot: '^(cli|workers|test|bench)/' },
      to: { path: '^(cli|workers)/' },
    },
    {
      name: 'nothing-imports-harnesses',
      comment: 'test/, bench/ and scripts/ are harnesses: production code never imports them.',
      severity: 'error',
      from: { pathNot: '^(test|bench|scripts)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'no-cycles',
      comment: 'Modules import one way: a cycle means two modules hold one concept.',
      severity: 'error',
      from: {},
      // Type-only cycles vanish at run time (bench/results <-> bench/targets share types).
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
