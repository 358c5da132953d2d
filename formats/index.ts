// The formats/ layer's public API in one import (engine/, activities/ and cli/ use this).
export * from './dtype.js';
export * from './safetensors.js';
export * from './hf-config.js';
export * from './hf-names.js';
export * from './hf-model-folder.js';
export * from './tokenizer.js';
export * from './token-shard.js';
export * from './surgery.js';
export { canonicalJson } from './canonical-json.js';
export { sha256Hex } from './sha256.js';
