// The workflow bundle's entry point: every workflow a worker can run.
export { smokePipeline } from './smoke.js';
export { runPipeline } from './run-pipeline.js';
