# Contract checks, sourced by infra/scripts/test.sh inside its `checks` phase (which defines `run_check NAME CMD...`
# and has put node_modules/.bin on PATH). Everything here runs offline: the buf module has no remote deps (only
# Google's well-known types, which buf ships) and code generation uses the local ts-proto plugin.

# Regenerates the contract code into a temporary folder and compares it with the committed copy.
nf_proto_generated_is_current() {
  local tmp status=0
  tmp="$(mktemp -d)"
  buf generate --template protos/buf.gen.yaml -o "$tmp" || status=$?
  if [ "$status" -eq 0 ]; then
    diff -r "$tmp/libs/contracts/src/generated" libs/contracts/src/generated || {
      status=$?
      echo "libs/contracts/src/generated is stale: run 'npm run proto:gen' and commit the result" >&2
    }
  fi
  rm -rf "$tmp"
  return "$status"
}

# buf breaking against the main branch, when there is one that already holds the contracts. On a clean clone of
# main this compares main with itself and passes; it matters on branches and for uncommitted proto edits.
nf_proto_breaking_check() {
  local git_dir
  git_dir="$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  if [ -z "$git_dir" ] || ! git rev-parse --verify -q refs/heads/main >/dev/null \
    || ! git cat-file -e main:protos/buf.yaml 2>/dev/null; then
    nf_log "check proto-breaking: skipped (no local main branch with protos/buf.yaml to compare against)"
    return 0
  fi
  run_check proto-breaking buf breaking protos --against "${git_dir}#branch=main,subdir=protos"
}

run_check proto-lint buf lint protos
nf_proto_breaking_check
run_check proto-generated-current nf_proto_generated_is_current
