// Fault injection for the training thread, so tests can crash or pause a real training run at an
// exact step instead of racing its speed (the idea of FreeBSD's fail(9), etcd's gofail, TiKV's
// fail-rs). Off unless ELO_FAILPOINTS is set; a handful of lines, so no library for it.
//
//   ELO_FAILPOINTS="train.step=25:kill"        SIGKILL this process right after step 25
//   ELO_FAILPOINTS="train.checkpoint=20:hold"  after checkpoint 20, wait until asked to stop
//   ELO_FAILPOINTS="train.step=15:gate"        after step 15, write $ELO_FAILPOINT_GATE/train.step-15.reached
//                                              and wait for train.step-15.go there (or a stop): a fault
//                                              test breaks a server at that exact point, then lets go
//   ELO_FAILPOINTS="eval.progress=1:block"     after the first evaluated set (or layer), a gate whose
//                                              wait is synchronous: the thread does nothing else, as
//                                              during a long tensor op (what an evaluation's thread
//                                              must not do to the worker's main thread)
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

const FailpointSchema = z.object({
  site: z.enum(['train.step', 'train.checkpoint', 'eval.progress']),
  step: z.coerce.number().int().positive(),
  action: z.enum(['kill', 'hold', 'gate', 'block']),
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
        `ELO_FAILPOINTS: "${entry}" is not site=step:action (sites train.step, train.checkpoint, eval.progress; actions kill, hold, gate, block)`,
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
  blockAt(failpoints, site, step);
  for (const fp of failpoints) {
    if (fp.site !== site || fp.step !== step || fp.action === 'block') continue;
    if (fp.action === 'kill') process.kill(process.pid, 'SIGKILL');
    const gate = fp.action === 'gate' ? gateFiles(site, step) : undefined;
    if (gate) writeFileSync(gate.reached, '');
    // Polling keeps this thread's event loop turning, so the 'stop' message can arrive.
    while (!shouldStop() && !(gate && existsSync(gate.go))) await sleep(20);
    // Consumed: a retried attempt that reaches the gate again waits for a new release.
    if (gate) rmSync(gate.go, { force: true });
  }
}

/** Runs the `block` failpoints armed for `site` at `step`: gates that hold this thread whole. */
export function blockAt(failpoints: readonly Failpoint[], site: Failpoint['site'], step: number) {
  for (const fp of failpoints) {
    if (fp.site !== site || fp.step !== step || fp.action !== 'block') continue;
    const gate = gateFiles(site, step);
    writeFileSync(gate.reached, '');
    const tick = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(gate.go)) Atomics.wait(tick, 0, 0, 20);
    rmSync(gate.go, { force: true });
  }
}

/** The files of a `gate` failpoint in $ELO_FAILPOINT_GATE: `<site>-<step>.reached` / `.go`. */
export function gateFiles(
  site: Failpoint['site'],
  step: number,
  dir = process.env['ELO_FAILPOINT_GATE'],
) {
  if (!dir) throw new Error('ELO_FAILPOINTS: a gate failpoint needs ELO_FAILPOINT_GATE (a folder)');
  const base = path.join(dir, `${site}-${step}`);
  return { reached: `${base}.reached`, go: `${base}.go` };
}
