#!/usr/bin/env bash
# For a machine with an NVIDIA GPU and internet access: installs the GPU backend
# (@tensorflow/tfjs-node-gpu, which downloads libtensorflow 2.9 and needs the CUDA 11.2 runtime
# and cuDNN 8.1 beside any newer driver), then trains one epoch of a quick-sized trial with 1, 2
# and 4 trials at once on one GPU and prints examples/s and trials per hour — the figures the
# README's GPU section asks for. Usage: scripts/gpu-check.sh [GPU index, default 0]
set -euo pipefail
cd "$(dirname "$0")/.."
gpu="${1:-0}"
command -v nvidia-smi >/dev/null || { echo "gpu-check: nvidia-smi not found: no NVIDIA driver here" >&2; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader -i "$gpu"
scripts/setup.sh
if ! node -e "require.resolve('@tensorflow/tfjs-node-gpu', { paths: ['packages/iwae'] })" 2>/dev/null; then
  echo "gpu-check: installing @tensorflow/tfjs-node-gpu (downloads libtensorflow)" >&2
  pnpm install --reporter=silent
fi
# Several TensorFlow processes share one GPU only if none grabs all of its memory up front.
export TF_FORCE_GPU_ALLOW_GROWTH=true CUDA_VISIBLE_DEVICES="$gpu"
# The first step JIT-compiles kernels on GPUs newer than libtensorflow 2.9 (H100/H200): warm up.
echo "gpu-check: warming up (the first run on an H100/H200 JIT-compiles kernels: minutes)" >&2
pnpm --silent iwae-sweep train --backend tensorflow-gpu --gpu 0 --objective iwae --k 50 --epochs 1 \
  --train-size 1000 --test-size 100 --eval-k 100 --json >/dev/null
trial=(--backend tensorflow-gpu --gpu 0 --objective iwae --k 50 --epochs 1 --train-size 10000 --test-size 500 --eval-k 1000)
printf '%-11s %12s %14s %14s\n' concurrency 'examples/s' 'trial wall s' 'trials/hour'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 1 2 4; do
  start=$(date +%s%N)
  for i in $(seq "$n"); do
    pnpm --silent iwae-sweep train "${trial[@]}" --json >"$tmp/$n-$i.json" &
  done
  wait
  end=$(date +%s%N)
  node -e '
    const [n, wall, ...files] = process.argv.slice(1);
    const rs = files.map((f) => JSON.parse(require("fs").readFileSync(f, "utf8").trim().split("\n").at(-1)));
    const exs = rs.reduce((a, r) => a + r.examplesPerSecond, 0);
    console.log(`${n.padEnd(11)} ${exs.toFixed(0).padStart(12)} ${Number(wall).toFixed(1).padStart(14)} ${((3600 * Number(n)) / Number(wall)).toFixed(1).padStart(14)}`);
  ' "$n" "$(((end - start) / 1000000))e-3" "$tmp/$n"-*.json
done
echo "(one trial = 1 epoch on 10,000 images at K=50, then L_1000 on 500 test images)"
# The gradient path per backend is chosen on measurements (packages/iwae/src/gradient-choice.ts):
# these two figures are what that choice needs for tensorflow-gpu.
for path in fast reference; do
  pnpm --silent iwae-sweep train "${trial[@]}" --gradient "$path" --json >"$tmp/g-$path.json"
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").at(-1)); console.log(`gradient ${process.argv[2]}: ${r.examplesPerSecond.toFixed(0)} examples/s at concurrency 1`)' "$tmp/g-$path.json" "$path"
done
