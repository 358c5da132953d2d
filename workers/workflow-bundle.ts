import { fileURLToPath } from 'node:url';

/** Path of the compiled workflows entry point that workers bundle. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.js', import.meta.url));
