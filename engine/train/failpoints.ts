// Fault injection for the training thread, so tests can crash or pause a real training run at an
// exact step instead of racing its speed (the idea of FreeBSD's fail(9), etcd's gofail, TiKV's
// fail-rs). Off unless ELO_FAILPOINTS is set; a handful of lines, so no library for it.
//
//   ELO_FAILPOINTS="train.step=25:kill"        SIGKILL this process right after step 25
//   ELO_FAILPOINTS="train.checkpoint=20:hold"  after checkpoint 20, wait until asked to stop
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

const FailpointSchema = z.object({
  site: z.enum(['train.step', 'train.checkpoint']),
  step: z.coerce.number().int().positive(),
  action: z.enum(['kill', 'hold']),
});
export type Failpoint = z.infer<typeof FailpointSchema>;

/** Parses `site=step:action[,site=step:action…]`; a bad entry is an error naming it. */
export function parseFailpoints(text: string | undefined): Failpoint[] {
  if (!text?.trim()) return [];
  return text.split(',').map((entry) => {
    const match = /^\s*([^=\s]+)=(\d+):(\w+)\s*$/.exec(entry);
    const parsed = FailpointSchema.safeParse(
      match ? { site: match[1], step: match[2], action: match[3] } : {},
    );
    if (!parsed.success)
      throw new Error(
        `ELO_FAILPOINTS: "${entry}" is not site=step:action (sites train.step, train.checkpoint; actions kill, hold)`,
      );
    return parsed.data;
  });
}

/** Runs the failpoints armed for `site` at `step`; `hold` returns once `shouldStop()` is true. */
export async function trigger(
  failpoints: readonly Failpoint[],
  site: Failpoint['site'],
  step: number,
  shouldStop: () => boolean,
): Promise<void> {
  for (const fp of failpoints) {
    if (fp.site !== site || fp.step !== step) continue;
    if (fp.action === 'kill') process.kill(process.pid, 'SIGKILL');
    // Polling keeps this thread's event loop turning, so the 'stop' message can arrive.
    while (!shouldStop()) await sleep(20);
  }
}
