// Child process for one stage of the scale bench: a fresh process per stage, so its peak RSS
// (the kernel's VmHWM) is that stage's alone. Prints {wallMs, peakRssBytes, ...} as JSON.
//   node dist/bench/scale/scale-probe.js '{"stage":"eval","folder":"…","tokens":2048}'
import { readFile, readdir } from 'node:fs/promises';
import { initBackend } from '../../engine/backend.js';
import { evaluateFolderStreaming } from '../../engine/streaming/streaming-eval.js';
import { DEFAULT_ADAMW } from '../../engine/train/adamw.js';
import { runTrainJob } from '../../engine/train/train-job.js';
import { detach, HfModelFolder, reintegrate } from '../../formats/index.js';
import { filesDigest } from '../../storage/hashing.js';
import { pseudoTokens } from './tokens.js';

export type ProbeRequest =
  | { stage: 'import'; folder: string }
  | { stage: 'detach'; folder: string; out: string; layers: number[] }
  | { stage: 'reintegrate'; base: string; elo: string; out: string }
  | { stage: 'eval'; folder: string; tokens: number; batchSize: number; seqLen: number }
  | {
      stage: 'train';
      folder: string;
      shard: string;
      eos: number;
      steps: number;
      batchSize: number;
      seqLen: number;
      storeUri: string;
      out: string;
    };

async function peakRssBytes(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : process.memoryUsage().rss;
}

async function run(req: ProbeRequest): Promise<Record<string, unknown>> {
  switch (req.stage) {
    case 'import': {
      // What import-model does before it commits: check every tensor, hash every file.
      const folder = await HfModelFolder.open(req.folder);
      folder.checkTensors();
      const params = folder.parameterCounts().total;
      await folder.close();
      const files = (await readdir(req.folder)).sort();
      return { params, digest: (await filesDigest(req.folder, files)).slice(0, 16) };
    }
    case 'detach':
      await detach(req.folder, req.layers, req.out);
      return {};
    case 'reintegrate':
      await reintegrate(req.base, req.elo, req.out);
      return {};
    case 'eval': {
      await initBackend({ log: () => {} });
      const sets = [0, 1].map((s) => ({
        sequences: [pseudoTokens(req.tokens / 2, 8000, s + 1)],
      }));
      const r = await evaluateFolderStreaming(req.folder, sets, {
        seqLen: req.seqLen,
        batchSize: req.batchSize,
      });
      return { evalTokens: r.reduce((n, x) => n + x.tokens, 0), meanNll: r[0]!.meanNll };
    }
    case 'train': {
      const r = await runTrainJob({
        model: { folder: req.folder },
        data: {
          shards: [req.shard],
          eosTokenId: req.eos,
          seqLen: req.seqLen,
          batchSize: req.batchSize,
        },
        selection: { mode: 'elo' },
        train: {
          seed: 0,
          totalSteps: req.steps,
          gradAccumSteps: 1,
          schedule: { peakLr: 1e-4, minLr: 1e-5, warmupSteps: 1, totalSteps: req.steps },
          adamw: DEFAULT_ADAMW,
          maxGradNorm: 1,
          checkpointEvery: 0,
        },
        checkpoints: { storeUri: req.storeUri, prefix: 'scale/ckpt', keepLast: 1 },
        output: { folder: req.out, dtype: 'BF16' },
      });
      return { stats: r.stats, stepMs: r.stats.meanStepMs };
    }
  }
}

const req = JSON.parse(process.argv[2]!) as ProbeRequest;
const started = performance.now();
run(req)
  .then(async (extra) => {
    const wallMs = performance.now() - started;
    console.log(JSON.stringify({ wallMs, peakRssBytes: await peakRssBytes(), ...extra }));
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
