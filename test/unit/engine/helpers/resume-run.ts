// Child process for the exact-resume test: resumes from the store if it can, trains until
// `stopAfter` updates (a cancellation) or `totalSteps`, checkpoints, prints a JSON line.
//   node resume-run.js <storeDir> <stopAfter> <totalSteps>
import { initBackend } from '../../../../engine/backend.js';
import { toyTrainer, weightsSha256 } from './toy-training.js';

async function main(): Promise<void> {
  const [storeDir, stopAfter, totalSteps] = process.argv.slice(2);
  await initBackend({ backend: 'tensorflow', log: () => {} });
  const { model, trainer } = toyTrainer(storeDir!, Number(totalSteps));
  const resumed = await trainer.resume();
  const resumedFrom = resumed ? trainer.step : null;
  const result = await trainer.run({ shouldStop: () => trainer.step >= Number(stopAfter) });
  console.log(
    JSON.stringify({
      resumedFrom,
      step: result.step,
      sha256: weightsSha256(model),
      lastLoss: result.lastLoss,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
