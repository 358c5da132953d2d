// One linter for the whole tree; type-aware so floating promises are caught.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.tools/**',
      'runs/**',
      'eslint.config.js',
      '.dependency-cruiser*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // no-floating-promises counts a promise pushed into an array as handled, yet nothing
      // observes it until the array is awaited: a rejection in between is unhandled and ends the
      // process (issue 14: a checkpoint's curve write killed the worker on every retry). Queue
      // such writes with activities/write-queue.ts, or await them in one Promise.all.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSArrayType > TSTypeReference[typeName.name="Promise"]',
          message:
            'Promises parked in an array reject unhandled until awaited: use WriteQueue (activities/write-queue.ts) or one Promise.all.',
        },
        {
          selector:
            'TSTypeReference[typeName.name="Array"] > TSTypeParameterInstantiation > TSTypeReference[typeName.name="Promise"]',
          message:
            'Promises parked in an array reject unhandled until awaited: use WriteQueue (activities/write-queue.ts) or one Promise.all.',
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O, no engine/tfjs, only types from activities.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows must stay deterministic: no Node built-ins.' },
            {
              group: ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net'],
              message: 'Workflows must stay deterministic: no Node built-ins.',
            },
            {
              group: [
                '**/engine/**',
                '@tensorflow/*',
                '**/storage/**',
                '**/workers/**',
                '@aws-sdk/*',
              ],
              message: 'Workflows never import engine/, storage/, tfjs or the AWS SDK.',
            },
            {
              group: ['**/activities/**'],
              message: 'Only import activity types.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
