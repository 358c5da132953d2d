// Issue 10's engine targets, judged from a results file: the engine at least as fast as PyTorch
// on CPU (same shapes, threads, batch, optimizer) and training FLOP/s at >= 50% of numpy's BLAS
// on all threads. Pure, like targets.ts.
import type { BenchResults } from './results.js';
import type { TargetResult } from './targets.js';

const MODEL_NAMES = { demo: 'demo', llmLike: 'llm-like' } as const;

export function judgeEngineTargets(r: Pick<BenchResults, 'peer' | 'engine'>): TargetResult[] {
  const out: TargetResult[] = [];
  for (const key of ['demo', 'llmLike'] as const) {
    for (const method of ['full', 'elo'] as const) {
      const target = `${MODEL_NAMES[key]} ${method === 'full' ? 'full-CP' : 'ELO'} step at least as fast as PyTorch CPU (PyTorch ms / ours >= 1.0)`;
      const e = r.peer?.byModel[key]?.[method];
      out.push(
        e
          ? {
              id: 'vs-pytorch',
              variant: `${key} ${method}`,
              target,
              measured: `PyTorch ${e.torchMs.toFixed(0)} ms / ours ${e.oursMs.toFixed(0)} ms = ${e.ratio.toFixed(2)}`,
              met: e.ratio >= 1,
            }
          : {
              id: 'vs-pytorch',
              variant: `${key} ${method}`,
              target,
              measured: 'not measured',
              met: null,
            },
      );
    }
  }
  const target = 'training FLOP/s >= 50% of numpy BLAS on all threads';
  const e = r.engine;
  out.push(
    e && e.blasFlops
      ? {
          id: 'train-vs-blas',
          target,
          measured: `${(e.trainFlops / 1e9).toFixed(1)} of ${(e.blasFlops / 1e9).toFixed(1)} GFLOP/s = ${((100 * e.trainFlops) / e.blasFlops).toFixed(0)}%`,
          met: e.trainFlops / e.blasFlops >= 0.5,
        }
      : { id: 'train-vs-blas', target, measured: 'not measured', met: null },
  );
  return out;
}
