#!/usr/bin/env bash
# scripts/gpu-check.sh — the GPU route, checked end to end on a machine with an NVIDIA GPU:
# installs (npm ci; tfjs-node-gpu's addon built against PyPI's tensorflow 2.21.0 with CUDA 12 and
# cuDNN from PyPI), prints the backend and devices, runs the step bench and examples/tiny.yaml on
# tensorflow-gpu. Exits non-zero at the first failure, naming the step. No system CUDA needed:
# only the NVIDIA driver. Logs go to $GPU_CHECK_OUT (default: a temp folder).
#   bash scripts/gpu-check.sh            # from the repository root
#   GPU_CHECK_SKIP_INSTALL=1 bash scripts/gpu-check.sh   # node_modules and the tools cache already there
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${GPU_CHECK_OUT:-$(mktemp -d -t elo-gpu-check-XXXXXX)}"
mkdir -p "$OUT"
step() { echo; echo "== gpu-check: $*"; }
fail() { echo "gpu-check: FAILED at step \"$1\" (logs in $OUT)" >&2; exit 1; }

step "driver"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || fail "driver: nvidia-smi"

if [ -z "${GPU_CHECK_SKIP_INSTALL:-}" ]; then
  step "install (npm ci; its prepare builds the native backends)"
  npm ci 2>&1 | tee "$OUT/npm-ci.log" || fail "install: npm ci"
fi
step "native setup, GPU flavour (strict)"
npm run setup:native -- --gpu --strict 2>&1 | tee "$OUT/setup-native.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "native setup"

step "backend and devices"
ELO_BACKEND=tensorflow-gpu TF_CPP_MIN_LOG_LEVEL=0 node --input-type=module -e '
const { initBackend } = await import("./dist/engine/backend.js");
const info = await initBackend();
const tf = await import("@tensorflow/tfjs-core");
const b = tf.backend();
const a = tf.randomNormal([4096, 4096]);
tf.matMul(a, a).dataSync();
const t0 = performance.now();
for (let i = 0; i < 10; i++) tf.matMul(a, a).dataSync();
const ms = (performance.now() - t0) / 10;
console.log(JSON.stringify({ backend: info.name, tfVersion: info.native?.tfVersion, usingGpu: b.isUsingGpuDevice, matmul4096Gflops: +(2 * 4096 ** 3 / ms / 1e6).toFixed(0) }));
if (!b.isUsingGpuDevice) process.exit(1);
' > "$OUT/backend.log" 2>&1
code=$?
grep -E 'Created device|"backend"' "$OUT/backend.log" || true
[ $code -eq 0 ] || { tail -20 "$OUT/backend.log"; fail "backend and devices"; }

step "step bench on tensorflow-gpu (demo shape, full and ELO)"
for mode in full elo; do
  ELO_BACKEND=tensorflow-gpu node dist/bench/train-step.js --mode "$mode" --steps 5 \
    > "$OUT/step-$mode.json" 2> "$OUT/step-$mode.log" || { tail -20 "$OUT/step-$mode.log"; fail "step bench ($mode)"; }
  grep -E '"(backend|mode|medianStepMs|achievedGflops|tokensPerSec)"' "$OUT/step-$mode.json"
done

step "examples/tiny.yaml on tensorflow-gpu (local dev server + worker, fresh store)"
STORE="$OUT/store"
ELO_BACKEND=tensorflow-gpu ELO_STORE="$STORE" node dist/cli/main.js demo --config examples/tiny.yaml --no-cache \
  2>&1 | tee "$OUT/tiny.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || { tail -30 .temporal/demo-worker.log; fail "examples/tiny.yaml"; }
grep -q 'backend: tensorflow-gpu' .temporal/demo-worker.log || fail "examples/tiny.yaml: the worker did not run on tensorflow-gpu"
grep -m1 'backend: tensorflow-gpu' .temporal/demo-worker.log

echo; echo "gpu-check: all steps passed (logs in $OUT)"
