// Batched matMul on WASM through XNNPACK, one 2-D product per batch entry.
//
// tfjs-backend-wasm runs a batched (or transposed) BatchMatMul in a scalar blocked loop
// (`slow_batch_matmul`, ~1-2 GFLOP/s here); only batch == 1 goes to XNNPACK (~15-20 GFLOP/s).
// Attention's products are batched over (batch, head), so we split them without copying: each
// batch entry of a, b and the output is registered with the WASM runtime as a tensor *view* at
// its heap offset, multiplied by the backend's own BatchMatMul entry point, and unregistered.
import * as tf from '@tensorflow/tfjs-core';

/** The internals of tfjs-backend-wasm 4.22.0 this module relies on (no public typings). */
interface WasmBackendInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let wasmBatchMatMul: ((...args: unknown[]) => void) | null = null;

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** a (batch, m, k) · b (batch, k, n) -> (batch, m, n); inputs already rank 3, float32. */
export function wasmBatchedMatMul(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  backend: tf.KernelBackend,
): tf.TensorInfo {
  const be = backend as unknown as WasmBackendInternals;
  wasmBatchMatMul ??= be.wasm.cwrap(tf.BatchMatMul, null, [
    'number', // a_id
    'array', // a_shape
    'number', // a_shape.length
    'number', // b_id
    'array', // b_shape
    'number', // b_shape.length
    'number', // transpose_a
    'number', // transpose_b
    'number', // out_id
  ]);
  const [batch, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const out = be.makeOutput([batch, m, n], 'float32');
  const aOffset = be.dataIdMap.get(a.dataId).memoryOffset;
  const bOffset = be.dataIdMap.get(b.dataId).memoryOffset;
  const outOffset = be.dataIdMap.get(out.dataId).memoryOffset;
  const aShape = shapeBytes([1, m, k]);
  const bShape = shapeBytes([1, k, n]);
  for (let i = 0; i < batch; i++) {
    // Fresh ids each time: XNNPACK caches its packed weights by b's id and drops the cache entry
    // when the id is disposed.
    const aId = be.dataIdNextNumber++;
    const bId = be.dataIdNextNumber++;
    const outId = be.dataIdNextNumber++;
    be.wasm.tfjs.registerTensor(aId, m * k, aOffset + i * m * k * 4);
    be.wasm.tfjs.registerTensor(bId, k * n, bOffset + i * k * n * 4);
    be.wasm.tfjs.registerTensor(outId, m * n, outOffset + i * m * n * 4);
    wasmBatchMatMul(aId, aShape, 3, bId, bShape, 3, 0, 0, outId);
    // Unregister the views only: the memory belongs to a, b and out.
    be.wasm.tfjs.disposeData(aId);
    be.wasm.tfjs.disposeData(bId);
    be.wasm.tfjs.disposeData(outId);
  }
  return out;
}
