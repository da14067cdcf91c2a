#!/usr/bin/env bash
# The CUDA half of runtime mode's checks (#17), as one script for a machine with a GPU:
#   bash bench/gpu_checks.sh [OUT_DIR]
# 1. the runtime tests, whose CUDA parametrisations skip on CPU-only machines;
# 2. a trace of the shipped example (a small CNN), which trains on `cuda` when there is one;
# 3. the tracing overhead on the GPU (target <= 1.15x).
# Everything is written under OUT_DIR (default: $OUT, else ./gpu_checks) for bench/RUNTIME_RESULTS.md.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR="${1:-${OUT:-gpu_checks}}"
mkdir -p "$OUT_DIR"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; python -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "devices", torch.cuda.device_count())'; uptime; } > "$OUT_DIR/device.txt" 2>&1
python -m pytest -q -p no:cacheprovider -o addopts="" tests/runtime -rs > "$OUT_DIR/pytest_runtime.txt" 2>&1
echo "pytest exit $?" >> "$OUT_DIR/pytest_runtime.txt"
python -m bnlint trace --format json -o "$OUT_DIR/trace_example.json" examples/train_cifar.py -- --epochs 1 > "$OUT_DIR/trace_example.log" 2>&1
echo "trace exit $?" >> "$OUT_DIR/trace_example.log"
python bench/runtime_overhead.py --device cuda --rounds 9 > "$OUT_DIR/overhead_cuda.txt" 2>&1
python bench/runtime_overhead.py --device cuda --rounds 9 --steps 60 --batch 128 > "$OUT_DIR/overhead_cuda_large.txt" 2>&1
tail -n 3 "$OUT_DIR"/*.txt "$OUT_DIR"/*.log
