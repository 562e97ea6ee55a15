# PostgreSQL 15 + pgvector on 127.0.0.1:5432, trust auth for user postgres, databases `neuroforge` and `ferretdb`.
POSTGRES_PORT=5432
POSTGRES_BIN=/usr/lib/postgresql/15/bin
PGVECTOR_VERSION=0.8.0
PGVECTOR_HOME="$NF_CACHE/pgvector-$PGVECTOR_VERSION"

# PostgreSQL refuses to run as root, so every server-side command runs as the `postgres` user.
pg_as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

postgres_provision() {
  nf_apt_install postgresql-15 postgresql-server-dev-15 make gcc
  pgvector_provision
}

pgvector_installed() {
  grep -q "default_version = '$PGVECTOR_VERSION'" /usr/share/postgresql/15/extension/vector.control 2>/dev/null &&
    [ -f /usr/lib/postgresql/15/lib/vector.so ]
}

# pgvector is not packaged for bookworm: build Debian's own source package (from trixie), fetched through a
# private apt source list so that no trixie binary can reach the system. The build is cached per version;
# a fresh machine with the cache only runs `make install`.
pgvector_provision() {
  pgvector_installed && return 0
  mkdir -p "$PGVECTOR_HOME"
  (
    flock 9
    local src="$PGVECTOR_HOME/src"
    if [ ! -f "$src/.built" ]; then
      nf_log "building pgvector $PGVECTOR_VERSION from Debian's source package (cached afterwards)"
      local apt="$PGVECTOR_HOME/apt"
      mkdir -p "$apt/lists/partial" "$apt/download"
      echo 'deb-src http://deb.debian.org/debian trixie main' >"$apt/sources.list"
      local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt/lists" -o APT::Sandbox::User=root)
      apt-get "${opts[@]}" update -qq >/dev/null
      (cd "$apt/download" && apt-get "${opts[@]}" source --download-only "pgvector=$PGVECTOR_VERSION-*" >/dev/null 2>&1 ||
        apt-get "${opts[@]}" source --download-only pgvector >/dev/null)
      local orig
      orig="$(ls "$apt/download"/pgvector_"$PGVECTOR_VERSION".orig.tar.* 2>/dev/null | head -n 1)"
      if [ -z "$orig" ]; then
        nf_log "Debian's pgvector source is not version $PGVECTOR_VERSION: $(ls "$apt/download")"
        exit 1
      fi
      rm -rf "$src" && mkdir -p "$src"
      tar -xf "$orig" -C "$src" --strip-components=1
      nice -n 10 make -C "$src" -s -j2 PG_CONFIG="$POSTGRES_BIN/pg_config" >/dev/null
      touch "$src/.built"
    fi
    make -C "$src" -s install PG_CONFIG="$POSTGRES_BIN/pg_config" >/dev/null
  ) 9>"$PGVECTOR_HOME/.lock"
}

# The data directory must be reachable by the postgres user. A checkout under a private folder (e.g. /root)
# is not, so then the data lives in a per-checkout folder under /var/tmp and .stack/postgres links to it.
postgres_data_dir() {
  local dir="$NF_STACK/postgres"
  if [ -L "$dir" ] || { mkdir -p "$dir" && chown postgres:postgres "$dir" && pg_as_postgres test -w "$dir"; }; then
    printf '%s/data' "$(readlink -f "$dir")"
    return 0
  fi
  local alt
  alt="/var/tmp/neuroforge-postgres-$(printf '%s' "$NF_ROOT" | md5sum | cut -c1-12)"
  mkdir -p "$alt" && chown postgres:postgres "$alt" && rmdir "$dir" && ln -s "$alt" "$dir"
  nf_log "postgres cannot reach $dir; keeping its data in $alt (linked from .stack/postgres)"
  printf '%s/data' "$alt"
}

postgres_health() { "$POSTGRES_BIN/pg_isready" -t 3 -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres; }

postgres_psql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres "$@"; }

# Creates what the services and FerretDB expect; safe to run on every `up`.
postgres_setup() {
  local db
  for db in neuroforge ferretdb; do
    if [ "$(postgres_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
      postgres_psql -d postgres -c "CREATE DATABASE $db"
    fi
  done
  postgres_psql -d neuroforge -c 'CREATE EXTENSION IF NOT EXISTS vector'
}

postgres_start() {
  local data
  data="$(postgres_data_dir)"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    pg_as_postgres "$POSTGRES_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
  fi
  # The postmaster runs in the foreground under nf_spawn so that its log goes to .stack/logs/postgres.log.
  nf_spawn postgres setpriv --reuid=postgres --regid=postgres --init-groups -- "$POSTGRES_BIN/postgres" -D "$data" \
    -p "$POSTGRES_PORT" -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off
  nf_wait_healthy postgres 60 postgres_health ||
    nf_fail postgres "$POSTGRES_PORT" "if the log says 'lock file ... already exists', another postmaster owns $data"
}

postgres_ready_hook() { postgres_setup; }

postgres_stop() {
  local data
  data="$(readlink -f "$NF_STACK/postgres")/data"
  # pg_ctl finds the postmaster through its own postmaster.pid, even when .stack/run lost ours.
  if [ -f "$data/postmaster.pid" ]; then
    pg_as_postgres "$POSTGRES_BIN/pg_ctl" -D "$data" stop -m fast -w -t 30 >/dev/null || true
  fi
  nf_stop_pid postgres 30
}
