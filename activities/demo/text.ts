import { demoConcat, demoFlaky, demoReject, demoWriteText } from '../../pipeline/stages/demo.js';
import type { ArtifactRef } from '../../storage/artifact-ref.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { cancellableDelay } from '../durable-training.js';
import { implementStage } from '../stage-activity.js';

const FILE = 'text.txt';

async function readText(store: ArtifactStore, ref: ArtifactRef): Promise<string> {
  return (await store.readFile(store.keyOf(ref.uri), FILE)).toString('utf8');
}

export const writeText = implementStage(demoWriteText, async (ctx) => {
  await cancellableDelay(ctx.params.delayMs, ctx.signal);
  const text = await ctx.store.commitFiles(
    ctx.artifactKey('text'),
    [{ path: FILE, data: ctx.params.text }],
    { producer: `${ctx.stage.name}@${ctx.stage.version}` },
  );
  return { outputs: { text }, metrics: { chars: ctx.params.text.length } };
});

export const concat = implementStage(demoConcat, async (ctx) => {
  await cancellableDelay(ctx.params.delayMs, ctx.signal);
  const parts = [await readText(ctx.store, ctx.inputs.a)];
  if (ctx.inputs.b) parts.push(await readText(ctx.store, ctx.inputs.b));
  const joined = parts.join(ctx.params.separator);
  const text = await ctx.store.commitFiles(
    ctx.artifactKey('text'),
    [{ path: FILE, data: joined }],
    {
      producer: `${ctx.stage.name}@${ctx.stage.version}`,
    },
  );
  return { outputs: { text }, metrics: { chars: joined.length } };
});

export const flaky = implementStage(demoFlaky, async (ctx) => {
  if (ctx.attempt <= ctx.params.failures) {
    throw new Error(`transient failure on attempt ${ctx.attempt} of ${ctx.params.failures + 1}`);
  }
  const text = await ctx.store.commitFiles(
    ctx.artifactKey('text'),
    [{ path: FILE, data: ctx.params.text }],
    { producer: `${ctx.stage.name}@${ctx.stage.version}` },
  );
  return { outputs: { text }, metrics: { attempt: ctx.attempt } };
});

export class DemoRejectedError extends Error {
  override readonly name = 'DemoRejectedError';
}

export const reject = implementStage(demoReject, async (ctx) => {
  throw new DemoRejectedError(`rejected: ${ctx.params.reason}`);
});
