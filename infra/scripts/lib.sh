# Shared helpers for NeuroForge's scripts. Source it: `. "$(dirname "$0")/lib.sh"`.
set -euo pipefail

NF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export NF_ROOT
# Toolchains and downloads are cached per user, keyed by version, outside the checkout.
export NF_CACHE="${NF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/neuroforge}"
# onnxruntime-node's install script fetches CUDA binaries from a registry that may be unreachable.
export ONNXRUNTIME_NODE_INSTALL=skip
export NX_NO_CLOUD=true NX_DAEMON=false
mkdir -p "$NF_CACHE"

nf_log() { printf '[neuroforge] %s\n' "$*" >&2; }

# Installs node_modules when missing or older than package-lock.json; puts Node 24 on PATH.
nf_ensure_node_deps() {
  local marker="$NF_ROOT/node_modules/.neuroforge-installed"
  if [ ! -f "$marker" ] || [ "$NF_ROOT/package-lock.json" -nt "$marker" ]; then
    nf_log "installing npm dependencies (npm ci)"
    (cd "$NF_ROOT" && npm ci --no-audit --no-fund)
    touch "$marker"
  fi
  export PATH="$NF_ROOT/node_modules/.bin:$PATH"
}

# Runs a named phase and records its duration, e.g. `nf_phase deps nf_ensure_node_deps`.
NF_PHASES=()
nf_phase() {
  local name="$1"; shift
  local start=$SECONDS
  nf_log "phase $name: start"
  "$@"
  local took=$((SECONDS - start))
  NF_PHASES+=("$name ${took}s")
  nf_log "phase $name: done in ${took}s"
}

nf_print_phases() {
  nf_log "phase timings: ${NF_PHASES[*]}"
}
