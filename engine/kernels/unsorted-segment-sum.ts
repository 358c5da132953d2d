// UnsortedSegmentSum for the WASM backend, which lacks it: it is the gradient of tf.gather, so
// training a token embedding on WASM needs it. Sequential sum in index order: deterministic.
import * as tf from '@tensorflow/tfjs-core';

/** The few members of the WASM backend this kernel uses (it has no public typings for them). */
interface HeapBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues,
  ): tf.TensorInfo;
}

/** out[s, ...] = sum of x[i, ...] over i with segmentIds[i] == s; ids outside [0, n) are dropped. */
export function unsortedSegmentSumValues(
  x: Float32Array,
  xShape: readonly number[],
  segmentIds: Int32Array,
  numSegments: number,
): { values: Float32Array; shape: number[] } {
  // xShape is [segmentIds.length, ...row]: each id scatters one row.
  const idsSize = segmentIds.length;
  const shape = [numSegments, ...xShape.slice(1)];
  const rowSize = tf.util.sizeFromShape(xShape.slice(1));
  const values = new Float32Array(numSegments * rowSize);
  for (let i = 0; i < idsSize; i++) {
    const s = segmentIds[i] as number;
    if (s < 0 || s >= numSegments) continue; // TF semantics: negative ids are dropped
    const src = i * rowSize;
    const dst = s * rowSize;
    for (let j = 0; j < rowSize; j++) values[dst + j]! += x[src + j]!;
  }
  return { values, shape };
}

export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum (wasm): dtype ${x.dtype}`);
    const heap = backend as unknown as HeapBackend;
    const xValues = heap.readSync(x.dataId) as Float32Array;
    const rawIds = heap.readSync(segmentIds.dataId);
    const ids = rawIds instanceof Int32Array ? rawIds : Int32Array.from(rawIds as Float32Array);
    // segmentIds spans the leading dims of x; flatten them into one.
    const { values, shape } = unsortedSegmentSumValues(
      xValues,
      [tf.util.sizeFromShape(segmentIds.shape), ...x.shape.slice(segmentIds.shape.length)],
      ids,
      numSegments,
    );
    return heap.makeOutput(shape, 'float32', undefined, values);
  },
};
