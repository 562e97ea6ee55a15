#!/usr/bin/env bash
# The multimodal synthetic task end to end: train each fusion strategy with the PyTorch worker (shapes and tones,
# CPU, one thread), export, then score held-out captions in the engine from the PNG/WAV files.
# Usage: bash bench/multimodal/run.sh [RUN_DIR] [STEPS]   (default .stack/multimodal, 600 steps)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN_DIR=${1:-$ROOT/.stack/multimodal}
STEPS=${2:-600}
VENV=$(bash "$ROOT/infra/scripts/python-env.sh")
export PATH="$ROOT/node_modules/.bin:$PATH" ONNXRUNTIME_NODE_INSTALL=skip
mkdir -p "$RUN_DIR"
for fusion in concat cross_attention gated hierarchical; do
  (cd "$ROOT/services/training/worker" && "$VENV/bin/python" -m neuroforge_worker.multimodal_train \
    --fusion "$fusion" --out "$RUN_DIR/$fusion" --steps "$STEPS" --threads 1 | tail -n 1)
done
cd "$ROOT"
tsc -b libs/ml/tsconfig.lib.json
tsc -p bench/multimodal/tsconfig.json
node bench/multimodal/dist/eval-synthetic.js "$RUN_DIR"
