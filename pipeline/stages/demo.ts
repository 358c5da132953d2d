import { z } from 'zod';
import { artifacts, defineStage } from '../stage.js';

/**
 * Small stages with real implementations (activities/demo/): they exercise the executor (text
 * artifacts, retries, typed errors, a resumable training loop) without the ELO engine, for
 * tests, `npm run record-histories` and checking a deployment end to end.
 */
export const demoWriteText = defineStage({
  name: 'demo-write-text',
  version: '1',
  queue: 'cpu',
  description: 'Commits params.text as a one-file artifact.',
  params: z.object({ text: z.string(), delayMs: z.number().int().min(0).default(0) }),
  inputs: artifacts({}),
  outputs: artifacts({ text: 'required' }),
  timeouts: { startToClose: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '200ms' },
});

export const demoConcat = defineStage({
  name: 'demo-concat',
  version: '1',
  queue: 'cpu',
  description: 'Joins the text of inputs a and b (when wired).',
  params: z.object({
    separator: z.string().default('\n'),
    delayMs: z.number().int().min(0).default(0),
  }),
  inputs: artifacts({ a: 'required', b: 'optional' }),
  outputs: artifacts({ text: 'required' }),
  timeouts: { startToClose: '1 minute' },
  retry: { maximumAttempts: 3, initialInterval: '200ms' },
});

export const demoFlaky = defineStage({
  name: 'demo-flaky',
  version: '1',
  queue: 'cpu',
  description: 'Fails its first `failures` attempts with a retryable error, then commits text.',
  params: z.object({ failures: z.number().int().min(0), text: z.string() }),
  inputs: artifacts({}),
  outputs: artifacts({ text: 'required' }),
  timeouts: { startToClose: '1 minute' },
  retry: { maximumAttempts: 5, initialInterval: '100ms', backoffCoefficient: 1 },
  cacheable: false,
});

export const demoReject = defineStage({
  name: 'demo-reject',
  version: '1',
  queue: 'cpu',
  description: 'Always throws DemoRejectedError, which the stage declares non-retryable.',
  params: z.object({ reason: z.string() }),
  inputs: artifacts({ text: 'optional' }),
  outputs: artifacts({ text: 'required' }),
  timeouts: { startToClose: '1 minute' },
  retry: { maximumAttempts: 5, initialInterval: '100ms' },
  nonRetryable: ['DemoRejectedError'],
});

export const demoTrain = defineStage({
  name: 'demo-train',
  version: '1',
  queue: 'gpu',
  description:
    'Seeded SGD on a synthetic linear regression: heartbeats every step, checkpoints every ' +
    '`checkpointEvery` steps and on cancellation, resumes exactly (weights, momentum, RNG).',
  params: z.object({
    steps: z.number().int().min(1),
    dim: z.number().int().min(1).max(4096).default(16),
    batch: z.number().int().min(1).default(8),
    lr: z.number().positive().default(0.05),
    seed: z.number().int().default(1),
    checkpointEvery: z.number().int().min(1).default(10),
    /** Wall time per step, so tests can interrupt a run in the middle. */
    stepDelayMs: z.number().int().min(0).default(0),
  }),
  inputs: artifacts({}),
  outputs: artifacts({ weights: 'required' }),
  timeouts: { startToClose: '30 minutes', heartbeat: '5 seconds' },
  retry: { maximumAttempts: 5, initialInterval: '200ms', maximumInterval: '2s' },
});

export const DEMO_STAGES = [demoWriteText, demoConcat, demoFlaky, demoReject, demoTrain] as const;
