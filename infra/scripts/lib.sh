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

# Go builds (FerretDB, Jaeger, Helm) share one module/build cache per user.
nf_go_env() {
  export GOPATH="$NF_CACHE/go" GOMODCACHE="$NF_CACHE/go/mod" GOCACHE="$NF_CACHE/go/build"
  # -modcacherw keeps the module cache deletable with a plain `rm -rf`.
  export GOFLAGS="-mod=mod -modcacherw -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
  if ! command -v go >/dev/null; then
    nf_log "Go (1.24 or newer) is required to build FerretDB, Jaeger and Helm: install it from go.dev (or apt-get install golang) and put it on PATH"
    return 1
  fi
}

# Installs node_modules when missing (npm ci) or behind package-lock.json (npm install, which keeps what is there);
# puts Node 24 on PATH. npm rewrites node_modules/.package-lock.json on every install, so it marks the state.
nf_ensure_node_deps() {
  local hidden="$NF_ROOT/node_modules/.package-lock.json"
  if [ ! -f "$hidden" ] || [ ! -x "$NF_ROOT/node_modules/.bin/node" ]; then
    nf_log "installing npm dependencies (npm ci)"
    (cd "$NF_ROOT" && npm ci --no-audit --no-fund)
  elif [ "$NF_ROOT/package-lock.json" -nt "$hidden" ]; then
    nf_log "package-lock.json changed: npm install"
    (cd "$NF_ROOT" && flock /tmp/nf-npm.lock npm install --no-audit --no-fund)
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
