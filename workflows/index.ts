// The workflow bundle's entry point: every workflow a worker can run.
export { runPipeline } from './run-pipeline.js';
