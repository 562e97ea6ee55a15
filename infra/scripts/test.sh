#!/usr/bin/env bash
# The test command: installs what is missing, brings the local stack up, builds, runs every check and test,
# and ends with one line `N passed, N failed`.
. "$(dirname "$0")/lib.sh"
cd "$NF_ROOT"

RESULTS="$NF_ROOT/.stack/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

# A check is one named command; its pass/fail counts as one test in the summary.
run_check() {
  local name="$1"; shift
  local log="$RESULTS/check-$name.log"
  if "$@" >"$log" 2>&1; then
    printf '{"name":"%s","passed":1,"failed":0}\n' "$name" >"$RESULTS/check-$name.json"
    nf_log "check $name: passed"
  else
    printf '{"name":"%s","passed":0,"failed":1}\n' "$name" >"$RESULTS/check-$name.json"
    nf_log "check $name: FAILED (log below)"
    tail -n 60 "$log" >&2
  fi
}

checks() {
  run_check lint biome check .
  run_check typecheck tsc -p tsconfig.json
  if [ -f infra/scripts/checks.sh ]; then . infra/scripts/checks.sh; fi
}

unit_and_integration() {
  # vitest exits non-zero when a test fails; the summary below reports it.
  vitest run --reporter=default --reporter=json --outputFile.json="$RESULTS/vitest.json" || true
}

python_tests() {
  if [ -f infra/scripts/python-tests.sh ]; then bash infra/scripts/python-tests.sh "$RESULTS" || true; fi
}

# The training workers' Python environment (cached per requirements hash; vitest's parity tests use it too) is
# mostly downloads: on a cold cache it runs in the background while the stack's Go and Maven builds use the CPU.
PYENV_LOG="$RESULTS/python-env.log"
bash infra/scripts/python-env.sh >"$PYENV_LOG" 2>&1 &
PYENV_PID=$!
wait_python_env() {
  if ! wait "$PYENV_PID"; then
    nf_log "the Python environment could not be created:"
    tail -n 40 "$PYENV_LOG" >&2
    return 1
  fi
}

nf_phase deps nf_ensure_node_deps
nf_phase stack bash infra/local/stack.sh up
# Helm, built once from the Go module proxy, for the chart test.
nf_phase helm bash infra/scripts/helm.sh
nf_phase python-env wait_python_env
nf_phase build tsc -b tsconfig.build.json
nf_phase checks checks
nf_phase vitest unit_and_integration
nf_phase python python_tests
nf_print_phases
exec node infra/scripts/summarize.mjs "$RESULTS"
