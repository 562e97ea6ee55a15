# Jaeger all-in-one (the v1.76.0 module = Jaeger v2): in-memory traces, OTLP gRPC 4317 / HTTP 4318, query API 16686
# (gRPC query 16685). Config: infra/local/config/jaeger.yaml.
JAEGER_VERSION=v1.76.0
JAEGER_PORT=16686
JAEGER_HOME="$NF_CACHE/jaeger-$JAEGER_VERSION"
JAEGER_BIN="$JAEGER_HOME/bin/jaeger"

jaeger_provision() {
  [ -x "$JAEGER_BIN" ] && return 0
  mkdir -p "$JAEGER_HOME"
  (
    flock 9
    [ -x "$JAEGER_BIN" ] && exit 0
    nf_go_env
    nf_log "building Jaeger $JAEGER_VERSION from a tools module (a few minutes on 2 cores; cached afterwards)"
    # `go install pkg@version` refuses modules with replace directives, so build from a module that repeats
    # Jaeger's own sarama replace.
    local src="$JAEGER_HOME/src"
    rm -rf "$src" && mkdir -p "$src"
    cd "$src"
    go mod init neuroforge.local/jaeger-build >/dev/null 2>&1
    go mod edit -replace github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0
    local log="$JAEGER_HOME/build.log"
    nf_run_logged "$log" nice -n 10 go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION"
    mkdir -p "$JAEGER_HOME/bin"
    nf_run_logged "$log" nice -n 10 go build -o "$JAEGER_BIN.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
    mv "$JAEGER_BIN.tmp" "$JAEGER_BIN"
  ) 9>"$JAEGER_HOME/.lock"
}

jaeger_health() { curl -fsS --max-time 3 -o /dev/null "http://127.0.0.1:$JAEGER_PORT/api/services"; }

jaeger_start() {
  local dir="$NF_STACK/jaeger"
  mkdir -p "$dir"
  # The project's config keeps traces in memory and binds every port (the query API included) to loopback;
  # JAEGER_LISTEN_HOST does the same for anything that reads it.
  (cd "$dir" && JAEGER_LISTEN_HOST=127.0.0.1 nf_spawn jaeger "$JAEGER_BIN" --config "$NF_ROOT/infra/local/config/jaeger.yaml")
  nf_wait_healthy jaeger 60 jaeger_health ||
    nf_fail jaeger "$JAEGER_PORT" "ports 4317, 4318 and 16686 must be free; delete $JAEGER_HOME to rebuild the binary"
}

jaeger_stop() { nf_stop_pid jaeger 20; }
