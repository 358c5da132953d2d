// Corrupt and truncated checkpoints: the same scenario the default suite runs
// (test/integration/elo-train-corrupt-checkpoint.test.ts), part of the fault suite too.
import '../integration/elo-train-corrupt-checkpoint.test.js';
