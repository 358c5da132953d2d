// The train stage's loss curve, kept beside each checkpoint so a resumed run reports the whole
// curve. The curve holds only what a retry reproduces bit for bit (step, tokens, loss): an attempt
// that falls back past a corrupt checkpoint re-commits the same artifact, which the store accepts.
// Training wall time up to a checkpoint differs between attempts, so it is kept out of the
// content-addressed curve: a mutable document beside it (last writer wins).
import { checkpointKey } from '../../engine/train/checkpoint-keys.js';
import type { TrainingRun } from '../../reports/report-data.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';

export type CurvePoint = TrainingRun['curve'][number];

const CURVE_FILE = 'curve.json';
const wallKey = (prefix: string, step: number) => `${checkpointKey(prefix, step)}.wall-ms`;

export interface SavedCurve {
  curve: CurvePoint[];
  wallMs: number;
}

/** The curve and wall time up to `step`; empty when none was saved (the curve is a report nicety). */
export async function loadCurve(
  store: ArtifactStore,
  prefix: string,
  step: number,
): Promise<SavedCurve> {
  try {
    const buf = await store.readFile(checkpointKey(prefix, step), CURVE_FILE);
    const wall = Number((await store.readDocument(wallKey(prefix, step)))?.toString('utf8'));
    return {
      curve: JSON.parse(buf.toString('utf8')) as CurvePoint[],
      wallMs: Number.isFinite(wall) ? wall : 0,
    };
  } catch {
    return { curve: [], wallMs: 0 };
  }
}

export async function saveCurve(
  store: ArtifactStore,
  prefix: string,
  step: number,
  saved: SavedCurve,
  producer: string,
): Promise<void> {
  await store.commitFiles(
    checkpointKey(prefix, step),
    [{ path: CURVE_FILE, data: JSON.stringify(saved.curve) }],
    { producer, meta: { step } },
  );
  await store.writeDocument(wallKey(prefix, step), String(saved.wallMs));
}
