#!/usr/bin/env bash
# Runs a command with the project's Node 24 and dependencies in place.
. "$(dirname "$0")/lib.sh"
nf_ensure_node_deps
cd "$NF_ROOT"
exec "$@"
