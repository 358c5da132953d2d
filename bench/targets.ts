// The acceptance targets of issue 7 and the paper's claims, judged from a results file's
// measured figures: pure functions, unit-tested.

export interface TargetInput {
  /** ELO speedup over full CP, measured and FLOP-model ideal (the LLM-like model). */
  speedup: { measured: number; ideal: number } | null;
  /** Held-out bits per byte per language. */
  base: Record<string, number> | null;
  fullCp: Record<string, number> | null;
  /** ELO after layer alignment, at full CP's wall-clock budget. */
  eloAligned: Record<string, number> | null;
  target: string;
  source: string;
  orchestrationOverhead: number | null;
}

export interface TargetResult {
  id: string;
  target: string;
  /** A sentence with the measured figures. */
  measured: string;
  met: boolean | null; // null: not measured in this run
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const f3 = (x: number) => x.toFixed(3);

/** English regression allowed to ELO: half of full CP's, and none when full CP has none. */
export function allowedRegression(fullRegression: number): number {
  return Math.max(0, fullRegression) / 2;
}

export function judgeTargets(i: TargetInput): TargetResult[] {
  const out: TargetResult[] = [];
  if (i.speedup) {
    const share = i.speedup.measured / i.speedup.ideal;
    out.push({
      id: 'speedup-vs-ideal',
      target: 'ELO speedup >= 90% of the FLOP-model ideal',
      measured: `${i.speedup.measured.toFixed(2)}x of an ideal ${i.speedup.ideal.toFixed(2)}x = ${pct(share)}`,
      met: share >= 0.9,
    });
  } else
    out.push({
      id: 'speedup-vs-ideal',
      target: 'ELO speedup >= 90% of the FLOP-model ideal',
      measured: 'not measured',
      met: null,
    });
  const t = i.target;
  const s = i.source;
  if (i.fullCp && i.eloAligned && i.base) {
    const e = i.eloAligned[t]!;
    const f = i.fullCp[t]!;
    out.push({
      id: 'target-bpb',
      target: `after alignment, ${t} bits per byte no worse than full CP at equal wall-clock`,
      measured: `ELO+alignment ${f3(e)} vs full CP ${f3(f)} (base ${f3(i.base[t]!)})`,
      met: e <= f,
    });
    const eloReg = i.eloAligned[s]! - i.base[s]!;
    const fullReg = i.fullCp[s]! - i.base[s]!;
    out.push({
      id: 'source-regression',
      target: `${s} bits-per-byte regression no more than half of full CP's`,
      measured: `ELO+alignment ${signed(eloReg)} vs full CP ${signed(fullReg)} (allowed ${signed(allowedRegression(fullReg))})`,
      met: eloReg <= allowedRegression(fullReg),
    });
  } else {
    out.push({
      id: 'target-bpb',
      target: `after alignment, ${t} bits per byte no worse than full CP at equal wall-clock`,
      measured: 'not measured',
      met: null,
    });
    out.push({
      id: 'source-regression',
      target: `${s} bits-per-byte regression no more than half of full CP's`,
      measured: 'not measured',
      met: null,
    });
  }
  out.push({
    id: 'orchestration-overhead',
    target: 'orchestration overhead <= 5%',
    measured: i.orchestrationOverhead === null ? 'not measured' : pct(i.orchestrationOverhead),
    met: i.orchestrationOverhead === null ? null : i.orchestrationOverhead <= 0.05,
  });
  return out;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(3)} bpb`;
}
