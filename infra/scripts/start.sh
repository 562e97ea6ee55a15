#!/usr/bin/env bash
# npm start: installs what is missing, brings the local stack up, builds, then runs the six services in the
# foreground until Ctrl-C (which stops the services gracefully and leaves the stack running).
. "$(dirname "$0")/lib.sh"
cd "$NF_ROOT"

# 1. Node 24 and node_modules.
nf_ensure_node_deps
# 2. Kafka, FerretDB, PostgreSQL, Redis, Jaeger on loopback (idempotent; already-running components are kept).
bash infra/local/stack.sh up
# 3. Every library and service into its dist/ (incremental).
nf_log "building (tsc -b tsconfig.build.json)"
tsc -b tsconfig.build.json || { nf_log "build failed (TypeScript errors above); nothing was started"; exit 1; }
# 4. The services as child processes; waits for readiness, prints the URLs, stops them on Ctrl-C.
exec node infra/scripts/services.mjs "$@"
