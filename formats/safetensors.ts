// The safetensors format: one entry point for readers, writers, shards and validation.
export * from './safetensors-error.js';
export * from './safetensors-header.js';
export * from './safetensors-reader.js';
export * from './safetensors-writer.js';
export * from './safetensors-index.js';
export type { DType, Tensor, TensorData } from './dtype.js';
