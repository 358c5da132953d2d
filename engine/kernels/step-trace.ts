// Traced regions on native TensorFlow: the ops one call of a function issues run as one
// TensorFlow function. Eager TensorFlow finishes every op before the call returns, so its
// compute pool idles while JavaScript dispatches the next op (a third of a training step on two
// cores); a function runs the same ops from TensorFlow's executor, with no JavaScript between.
// The binding records and replays (infra/native/binding/step_trace.h); this is the policy.
import * as tf from '@tensorflow/tfjs-core';
import { tracedStepsWanted } from '../native-settings.js';
import { opForms } from './op-forms.js';

interface TraceBinding {
  traceBegin(key: string): number;
  traceEnd(keep: boolean): string;
  traceForget(keyPrefix: string): number;
}

/** Departures (or refusals) after which a key runs eagerly for the rest of the process. */
const MAX_NOTES = 2;
const notes = new Map<string, number>();
let open = false;

function traceBinding(): TraceBinding | null {
  if (tf.getBackend() !== 'tensorflow' || !tracedStepsWanted()) return null;
  const binding = (tf.backend() as unknown as { binding: Partial<TraceBinding> }).binding;
  return typeof binding.traceBegin === 'function' ? (binding as TraceBinding) : null;
}

/**
 * Runs fn, traced when the backend allows. One name names one op sequence (the caller puts the
 * shapes it depends on into the name): the first call records it, later calls replay it. fn must
 * read no tensor it computes back to the host; a call that does, or that departs from the
 * recording, runs eagerly and says why once. Nested calls run inside the outer region.
 */
export function runTraced<T>(name: string, fn: () => T): { value: T; traced: boolean } {
  const binding = traceBinding();
  // The op forms pick which kernels a region issues: a switch (bench, tests) is another program.
  const key = `${name}|${JSON.stringify(opForms())}`;
  if (!binding || open || (notes.get(key) ?? 0) >= MAX_NOTES) return { value: fn(), traced: false };
  binding.traceBegin(key);
  open = true;
  let value: T;
  try {
    value = fn();
  } catch (err) {
    open = false;
    binding.traceEnd(false); // records nothing; a replay runs what it logged eagerly first
    throw err;
  }
  open = false;
  const note = binding.traceEnd(true);
  if (note) {
    const n = (notes.get(key) ?? 0) + 1;
    notes.set(key, n);
    const then = n >= MAX_NOTES ? '; it runs eagerly from now on' : '';
    console.warn(`[engine] traced region ${name}: ${note}${then}`);
  }
  return { value, traced: note === '' };
}

/** Drops the recordings of every key starting with keyPrefix (their owner is disposed). */
export function forgetTraced(keyPrefix: string): void {
  const binding = traceBinding();
  if (binding) binding.traceForget(keyPrefix);
  for (const key of notes.keys()) if (key.startsWith(keyPrefix)) notes.delete(key);
}
