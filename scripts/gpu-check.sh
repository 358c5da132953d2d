#!/usr/bin/env bash
# scripts/gpu-check.sh — the GPU route, checked end to end on a machine with an NVIDIA GPU:
# installs (npm ci; tfjs-node-gpu's addon built against PyPI's tensorflow 2.21.0 with CUDA 12 and
# cuDNN from PyPI), prints the backend and devices, runs the step bench (traced steps, then checked
# against eager ones) and examples/tiny.yaml on tensorflow-gpu. Exits non-zero at the first
# failure, naming the step. No system CUDA needed: only the NVIDIA driver. Logs go to
# $GPU_CHECK_OUT (default: a temp folder).
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

step "traced steps on tensorflow-gpu against eager ones (demo shape, full CP: losses of 6 steps)"
ELO_BACKEND=tensorflow-gpu ELO_TRACE=0 node dist/bench/train-step.js --mode full --steps 5 \
  > "$OUT/step-full-eager.json" 2> "$OUT/step-full-eager.log" || { tail -20 "$OUT/step-full-eager.log"; fail "eager step bench"; }
# A region that departs from its recording says so on an "[engine] traced region" line.
grep -h 'traced region' "$OUT/step-full.log" "$OUT/step-elo.log" && fail "traced steps: a region departed on the GPU"
# Traced and eager differ in rounding only (a function's kernels and fusions are not eager's).
node -e '
const [t, e] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")).losses);
const worst = Math.max(...t.map((v, i) => Math.abs(v - e[i]) / Math.abs(e[i])));
console.log(`traced losses ${t.map((v) => v.toFixed(5)).join(" ")}`);
console.log(`eager losses  ${e.map((v) => v.toFixed(5)).join(" ")}`);
console.log(`largest relative difference ${worst.toExponential(2)}`);
process.exit(t.length === e.length && worst < 1e-3 ? 0 : 1);
' "$OUT/step-full.json" "$OUT/step-full-eager.json" || fail "traced steps: losses differ from eager ones"

step "examples/tiny.yaml on tensorflow-gpu (local dev server + worker, fresh store)"
STORE="$OUT/store"
ELO_BACKEND=tensorflow-gpu ELO_STORE="$STORE" node dist/cli/main.js demo --config examples/tiny.yaml --no-cache \
  2>&1 | tee "$OUT/tiny.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || { tail -30 .temporal/demo-worker.log; fail "examples/tiny.yaml"; }
grep -q 'backend: tensorflow-gpu' .temporal/demo-worker.log || fail "examples/tiny.yaml: the worker did not run on tensorflow-gpu"
grep -m1 'backend: tensorflow-gpu' .temporal/demo-worker.log

echo; echo "gpu-check: all steps passed (logs in $OUT)"
