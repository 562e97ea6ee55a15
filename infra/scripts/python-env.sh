#!/usr/bin/env bash
# Creates (idempotently) the Python virtual environment of the training worker and prints its path.
# The venv lives in the per-user cache, keyed by the sha256 of the pinned requirements file, so a fresh clone
# (CI) reuses it and a change of pins builds a new one. Uses the system python3 (3.11).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${NF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/neuroforge}"
REQ="$ROOT/services/training/worker/requirements.txt"
SHA="$(sha256sum "$REQ" | cut -c1-16)"
VENV="$CACHE/venv-$SHA"
PY="${NF_PYTHON:-python3}"

log() { printf '[neuroforge] %s\n' "$*" >&2; }

if [ -f "$VENV/.neuroforge-complete" ]; then
  echo "$VENV"
  exit 0
fi

mkdir -p "$CACHE"
# Serialise concurrent creators (test runs, developers) on the same venv.
exec 9>"$CACHE/venv-$SHA.lock"
flock 9
if [ -f "$VENV/.neuroforge-complete" ]; then
  echo "$VENV"
  exit 0
fi

"$PY" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' >&2
log "creating Python venv $VENV (torch wheels are large; cached afterwards)"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
export PIP_CACHE_DIR="$CACHE/pip"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
"$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -r "$REQ" >&2
"$VENV/bin/python" -c 'import torch, safetensors, numpy, tiktoken, pytest' >&2
touch "$VENV/.neuroforge-complete"
echo "$VENV"
