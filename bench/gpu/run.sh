#!/bin/bash
# The GPU run, on the GPU machine, from the project root (bench/gpu/pack.mjs copies this file to dist-gpu/):
#   bash .gpu/run.sh bash dist-gpu/run.sh <out-dir> [--only SECTION[,SECTION]] [--tiny]
# Runs node dist-gpu/gpu-run/main.mjs (bench/gpu/main.ts): the sections of bench/gpu/sections/ (node
# dist-gpu/gpu-run/main.mjs --list names them), each under its own time cap, the whole under 5 minutes on an
# H100; writes <out-dir>/gpu-run.json and gpu-run.md (and torch-reference.json when the training section runs
# bench/gpu/torch_reference.py with $PYTHON or python3). --tiny: a few quick items per section, for a CPU adapter.
set -uo pipefail
out=${1:-gpu-results}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
node "$here/gpu-run/main.mjs" --out-dir "$out" "$@"
