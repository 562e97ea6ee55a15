# FerretDB v1: the MongoDB wire protocol on 127.0.0.1:27017, stored in PostgreSQL's `ferretdb` database.
FERRETDB_VERSION=v1.24.2
FERRETDB_PORT=27017
FERRETDB_HOME="$NF_CACHE/ferretdb-$FERRETDB_VERSION"
FERRETDB_BIN="$FERRETDB_HOME/ferretdb"

# `go install ...@v1.24.2` builds a binary that panics at start: the module zip lacks build/version/version.txt,
# which FerretDB's release process generates. So build from a copy of the module source with that file written.
ferretdb_provision() {
  [ -x "$FERRETDB_BIN" ] && return 0
  mkdir -p "$FERRETDB_HOME"
  (
    # Two checkouts provisioning at once build it once.
    flock 9
    [ -x "$FERRETDB_BIN" ] && exit 0
    nf_go_env
    nf_log "building FerretDB $FERRETDB_VERSION from its module source (a few minutes on 2 cores; cached afterwards)"
    local log="$FERRETDB_HOME/build.log" src="$FERRETDB_HOME/src" module
    nf_run_logged "$log" go mod download "github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
    module="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    rm -rf "$src" && cp -r "$module" "$src" && chmod -R u+w "$src"
    printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
    printf 'neuroforge\n' >"$src/build/version/package.txt"
    (cd "$src" && nf_run_logged "$log" nice -n 10 go build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb)
    mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
    rm -rf "$src"
  ) 9>"$FERRETDB_HOME/.lock"
}

ferretdb_health() { timeout 15 "$NF_NODE_BIN" "$NF_ROOT/infra/local/probes/mongo-ping.js" "$FERRETDB_PORT"; }

# FerretDB's pool to PostgreSQL defaults to 50 connections; several services and parallel test files exhaust it
# (requests then queue until they time out). PostgreSQL allows 300 (components/postgres.sh).
ferretdb_start() {
  local dir="$NF_STACK/ferretdb"
  mkdir -p "$dir"
  nf_spawn ferretdb "$FERRETDB_BIN" \
    --handler=postgresql \
    --postgresql-url="postgres://postgres@127.0.0.1:$POSTGRES_PORT/ferretdb?pool_max_conns=120" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" \
    --state-dir="$dir" \
    --telemetry=disable \
    --log-level=warn
  nf_wait_healthy ferretdb 60 ferretdb_health ||
    nf_fail ferretdb "$FERRETDB_PORT" "PostgreSQL must be up with a 'ferretdb' database (bash infra/local/stack.sh up postgres ferretdb)"
}

ferretdb_stop() { nf_stop_pid ferretdb 20; }
