// The engine's public API in one import (activities/ and cli/ use this; it loads tfjs).
export * from './backend.js';
export * from './batch.js';
export * from './errors.js';
export * from './eval.js';
export * from './flops.js';
export * from './generate.js';
export * from './io/hf-folder.js';
export * from './io/token-shards.js';
export * from './model-folder-tasks.js';
export * from './model/config.js';
export * from './model/init-config.js';
export * from './model/llama-model.js';
export {
  type HostTensor,
  type HostWeights,
  type ParamSpec,
  parameterSpecs,
} from './model/weights.js';
export * from './prng.js';
export * from './stats.js';
export * from './train/adamw.js';
export * from './train/checkpoint.js';
export * from './train/data-loader.js';
export * from './train/lr-schedule.js';
export * from './train/store-checkpointer.js';
export * from './train/trainable.js';
export * from './train/trainer.js';
