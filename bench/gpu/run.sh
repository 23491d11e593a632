#!/bin/bash
# The GPU run, on the GPU machine, from the project root (bench/gpu/pack.mjs copies this file to dist-gpu/):
#   bash .gpu/run.sh bash dist-gpu/run.sh <out-dir> [--tiny]
# 1. the PyTorch eager reference (dist-gpu/torch_reference.py), when python3 can import torch;
# 2. the engine's GPU suite (node dist-gpu/bench-node.mjs --suite gpu, rows in bench/gpu/suite.ts): matmul
#    1024/2048/4096, the ResNet-18 convs and MobileNetV2's pointwise and depthwise convs forward and backward with
#    every kernel version (--versions: the tile-configuration sweep), the training-step rows at batch 64 and 256,
#    and ResNet-18 / MobileNetV2 224² forward at batch 16, each against TF.js WebGPU on the same adapter;
# then one JSON (<out-dir>/gpu-run.json) and one markdown table (<out-dir>/gpu-run.md) with the PyTorch column.
# --tiny: the same pipeline on a handful of quick rows (to check it on a CPU adapter, e.g. SwiftShader).
set -uo pipefail
out=${1:-gpu-results}
shift || true
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
torch_args=()
[ "${1:-}" = "--tiny" ] && torch_args=(--quick)
ref=()
py=${PYTHON:-$(command -v python3 || true)}
if [ -n "$py" ] && "$py" -c 'import torch' 2>/dev/null; then
  "$py" "$here/torch_reference.py" "$out/torch-reference.json" "${torch_args[@]}" && ref=(--reference "$out/torch-reference.json")
else
  echo "run.sh: no python3 with torch here; the PyTorch column stays empty"
fi
node "$here/bench-node.mjs" --suite gpu --out-dir "$out" "${ref[@]}" "$@"
