# Helpers shared by the local stack's component scripts. Sourced by infra/local/stack.sh after
# infra/scripts/lib.sh (which sets NF_ROOT, NF_CACHE and nf_log).

# Data, logs and pid files live in the checkout (git-ignored); toolchains and builds live in NF_CACHE.
export NF_STACK="${NF_STACK:-$NF_ROOT/.stack}"
export NF_STACK_LOGS="$NF_STACK/logs"
export NF_STACK_RUN="$NF_STACK/run"
export NF_NODE_BIN="$NF_ROOT/node_modules/.bin/node"
mkdir -p "$NF_STACK_LOGS" "$NF_STACK_RUN"

# apt-get update runs at most once per stack invocation, and only when something must be installed.
NF_APT_UPDATED=0
nf_apt_install() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    nf_log "missing Debian packages ${missing[*]}: install them as root (apt-get install -y ${missing[*]})"
    return 1
  fi
  if [ "$NF_APT_UPDATED" -eq 0 ]; then
    nf_log "apt-get update (needed for ${missing[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    NF_APT_UPDATED=1
  fi
  nf_log "apt-get install ${missing[*]}"
  # Debian's packages start their own servers (a postgres cluster on 5432, redis on 6379) unless
  # policy-rc.d forbids it; those would take the stack's ports.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  [ "$added_policy" -eq 1 ] && rm -f "$policy"
  return "$rc"
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
nf_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Names the process listening on a port, for error messages.
nf_port_holder() {
  local port="$1" line
  line="$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1)"
  if [ -n "$line" ]; then
    printf '%s' "$(printf '%s' "$line" | grep -o 'users:(([^)]*))' || echo 'an unknown process')"
  else
    printf 'nothing'
  fi
}

nf_pidfile() { printf '%s/%s.pid' "$NF_STACK_RUN" "$1"; }

# Pid recorded for a component when that process is still alive, else empty.
nf_alive_pid() {
  local f
  f="$(nf_pidfile "$1")"
  [ -f "$f" ] || return 1
  local pid
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

# Starts a long-running server in the background, detached from this shell, recording its pid.
nf_spawn() {
  local name="$1"; shift
  local log="$NF_STACK_LOGS/$name.log"
  printf '\n==== %s start %s ====\n' "$name" "$(date -u +%FT%TZ)" >>"$log"
  # fd 8 is stack.sh's lock: a server must not inherit it, or it would hold the lock for its lifetime.
  setsid nohup "$@" >>"$log" 2>&1 </dev/null 8>&- &
  printf '%s' "$!" >"$(nf_pidfile "$name")"
}

# SIGTERM, then wait up to <timeout> seconds, then SIGKILL.
nf_stop_pid() {
  local name="$1" timeout="${2:-20}" pid
  pid="$(nf_alive_pid "$name" || true)"
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((timeout * 5)) ]; do
      sleep 0.2
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      nf_log "$name did not stop within ${timeout}s; sending SIGKILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$(nf_pidfile "$name")"
}

# Polls `<health command>` until it succeeds or <timeout> seconds pass; the component must also stay alive.
nf_wait_healthy() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ -f "$(nf_pidfile "$name")" ] && ! nf_alive_pid "$name" >/dev/null; then
      NF_FAIL_REASON="the $name process exited during startup"
      return 1
    fi
    sleep 0.5
  done
  NF_FAIL_REASON="not healthy after ${timeout}s"
  return 1
}

# Stops the whole script with the component's name, the tail of its log and a hint at the fix.
nf_fail() {
  local name="$1" port="$2" hint="$3"
  local log="$NF_STACK_LOGS/$name.log"
  nf_log "FAILED: $name ${NF_FAIL_REASON:-did not start}"
  if [ -f "$log" ]; then
    nf_log "last 30 lines of $log:"
    tail -n 30 "$log" >&2
  fi
  if [ -n "$port" ]; then
    local holder
    holder="$(nf_port_holder "$port")"
    if [ "$holder" != nothing ] && ! nf_alive_pid "$name" >/dev/null; then
      nf_log "port $port is held by $holder: stop it (or 'bash infra/local/stack.sh down') and retry"
    fi
  fi
  nf_log "likely fix: $hint"
  NF_STEP=''
  exit 1
}

# Runs a noisy build step with its output in <log>; on failure shows the log's tail and fails.
nf_run_logged() {
  local log="$1"; shift
  if ! "$@" >>"$log" 2>&1; then
    nf_log "command failed: $*"
    nf_log "last 30 lines of $log:"
    tail -n 30 "$log" >&2
    return 1
  fi
}
