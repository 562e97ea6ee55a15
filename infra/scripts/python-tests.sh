#!/usr/bin/env bash
# Runs the training worker's pytest suite and writes RESULTS_DIR/pytest.json for the test summary:
#   {"name":"pytest","passed":N,"failed":M,"failures":["test id", ...]}
# Errors count as failed; a run that collected no test (pytest exit 5) or could not start counts as failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RESULTS="${1:?usage: python-tests.sh RESULTS_DIR}"
mkdir -p "$RESULTS"
REPORT="$RESULTS/pytest.json"
JUNIT="$RESULTS/pytest-junit.xml"
rm -f "$JUNIT"

fail_report() {
  printf '{"name":"pytest","passed":0,"failed":1,"failures":["pytest: %s"]}\n' "$1" >"$REPORT"
  echo "[neuroforge] pytest: $1" >&2
}

if ! VENV="$(bash "$ROOT/infra/scripts/python-env.sh")"; then
  fail_report "could not create the Python environment"
  exit 1
fi

# Node 24 (for the tokenizer and engine parity tests) comes first on PATH, as in the other test phases.
export PATH="$ROOT/node_modules/.bin:$PATH"
# The machine is shared: tiny models, one thread per process.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 NEUROFORGE_TORCH_THREADS=1 PYTHONDONTWRITEBYTECODE=1
cd "$ROOT/services/training/worker"
"$VENV/bin/python" -m pytest -p no:cacheprovider --junitxml="$JUNIT" -q "${@:2}"
rc=$?

if [ ! -f "$JUNIT" ]; then
  fail_report "no report (exit $rc)"
  exit 1
fi
"$VENV/bin/python" - "$JUNIT" "$REPORT" "$rc" <<'PY'
import json
import sys
import xml.etree.ElementTree as ET

junit, report, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
passed, failures = 0, []
for case in ET.parse(junit).getroot().iter("testcase"):
    test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
    if case.find("failure") is not None or case.find("error") is not None:
        failures.append(test_id)
    elif case.find("skipped") is None:
        passed += 1
if rc == 5 or (passed == 0 and not failures):
    failures.append("pytest: no test ran")
elif rc not in (0, 1) and not failures:
    failures.append(f"pytest: exited {rc}")
with open(report, "w") as f:
    json.dump({"name": "pytest", "passed": passed, "failed": len(failures), "failures": failures}, f)
print(f"[neuroforge] pytest: {passed} passed, {len(failures)} failed", file=sys.stderr)
PY
[ "$rc" -eq 0 ]
