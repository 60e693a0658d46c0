#!/usr/bin/env bash
# A MongoDB-wire database on 127.0.0.1: a `mongod` found on PATH, else FerretDB 1.x built from the Go
# module proxy, over PostgreSQL (default; Debian's postgresql-15) or SQLite (PROFILEHUB_FERRETDB_BACKEND=sqlite).
# Usage: mongo.sh up|down|status|fetch (fetch: only build FerretDB, when no mongod is on PATH; needs no virtualenv)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DIR="$STATE_DIR/mongo"
PIDFILE="$DIR/mongo.pid"
LOGFILE="$DIR/mongo.log"
PATCHES="$ROOT/deploy/local/ferretdb"
# The cache key carries the patches' digest, so a changed patch builds a new binary.
FERRETDB="$CACHE_DIR/ferretdb-$FERRETDB_VERSION-$(cat "$PATCHES"/*.patch | sha256sum | cut -c1-8)/ferretdb"
BACKEND="${PROFILEHUB_FERRETDB_BACKEND:-postgresql}"
PG_PORT="${PROFILEHUB_POSTGRES_PORT:-54329}"
PGDATA="$DIR/pgdata"

build_ferretdb() {
  [[ -x "$FERRETDB" ]] && return 0
  need go "building FerretDB (the MongoDB-wire database used when no mongod is installed)" \
    "install Go 1.24+ from https://go.dev/dl or apt-get install golang"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (once; cached in $(dirname "$FERRETDB"))"
  mkdir -p "$(dirname "$FERRETDB")"
  # `go install …@version` builds a binary that panics at start-up: the module zip carries an empty
  # build/version/version.txt. So: download the module, fill that file in a copy, patch the copy
  # (deploy/local/ferretdb/*.patch: upstream bugs we hit, each explained in its file), build it.
  local src work
  src="$(cd /tmp && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json \
    "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
    || die "downloading the FerretDB module failed"
  work="$(mktemp -d)"
  cp -r "$src/." "$work" && chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  local patch
  for patch in "$PATCHES"/*.patch; do
    patch -s -p1 -d "$work" <"$patch" || die "applying $patch to FerretDB $FERRETDB_VERSION failed"
  done
  # (to a name of this process's own: another checkout may be building the same cached binary right now)
  (cd "$work" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -o "$FERRETDB.tmp.$$" ./cmd/ferretdb) || die "building FerretDB failed"
  rm -rf "$work"
  mv "$FERRETDB.tmp.$$" "$FERRETDB"
}

start_mongod() {
  mkdir -p "$DIR/mongod-data"
  log "starting mongod from PATH on 127.0.0.1:$MONGO_PORT (log: $LOGFILE)"
  nohup mongod --bind_ip 127.0.0.1 --port "$MONGO_PORT" --dbpath "$DIR/mongod-data" >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  echo mongod >"$DIR/engine"
}

pg_bin() {
  local dir
  dir="$(ls -d "$POSTGRES_LIB"/*/bin 2>/dev/null | sort -V | tail -1)"
  [[ -n "$dir" && -x "$dir/initdb" ]] || die "PostgreSQL is not installed; it is FerretDB's store here. Install it:" \
    "apt-get install postgresql-15 (or set PROFILEHUB_FERRETDB_BACKEND=sqlite)"
  echo "$dir"
}

as_postgres() {  # PostgreSQL refuses to run as root
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin; bin="$(pg_bin)"
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    log "initialising PostgreSQL in $PGDATA"
    mkdir -p "$PGDATA"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$PGDATA"
    as_postgres "$bin/initdb" -D "$PGDATA" -U ferret --auth=trust -E UTF8 >>"$LOGFILE" 2>&1 \
      || die "initdb failed; see $LOGFILE"
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    # A local development store: losing the last commits on a machine crash is acceptable, waiting on fsync is not.
    as_postgres "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/postgres.log" -w start -o \
      "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PGDATA -c synchronous_commit=off -c max_connections=200" \
      >>"$LOGFILE" 2>&1 || { tail -20 "$PGDATA/postgres.log" >&2; die "PostgreSQL did not start; see $PGDATA/postgres.log"; }
  fi
  as_postgres "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U ferret -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" | grep -q 1 \
    || as_postgres "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U ferret ferretdb
}

stop_postgres() {
  [[ -f "$PGDATA/PG_VERSION" ]] || return 0
  local bin; bin="$(pg_bin)"
  as_postgres "$bin/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 && log "PostgreSQL stopped" || true
}

start_ferretdb() {
  build_ferretdb
  mkdir -p "$DIR/ferretdb-data" "$DIR/ferretdb-state"
  local store
  if [[ "$BACKEND" == sqlite ]]; then
    store=(--handler=sqlite --sqlite-url="file:$DIR/ferretdb-data/")
  else
    start_postgres
    store=(--handler=postgresql --postgresql-url="postgres://ferret@127.0.0.1:$PG_PORT/ferretdb?pool_max_conns=100")
  fi
  log "starting FerretDB $FERRETDB_VERSION ($BACKEND) on 127.0.0.1:$MONGO_PORT (log: $LOGFILE)"
  nohup "$FERRETDB" "${store[@]}" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$DIR/ferretdb-state" \
    --debug-addr=- --telemetry=disable --log-level=error >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  echo "ferretdb $FERRETDB_VERSION ($BACKEND)" >"$DIR/engine"
}

up() {
  if pid_alive "$PIDFILE"; then log "$(cat "$DIR/engine") already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$MONGO_PORT"; return 0; fi
  if port_open "$MONGO_PORT"; then die "port $MONGO_PORT is taken by another process; stop it or set PROFILEHUB_MONGO_PORT"; fi
  mkdir -p "$DIR"
  if command -v mongod >/dev/null 2>&1; then start_mongod; else start_ferretdb; fi
  "$PYTHON" "$ROOT/deploy/local/healthcheck.py" mongo "mongodb://127.0.0.1:$MONGO_PORT/" --pid "$(cat "$PIDFILE")" \
    || { tail -20 "$LOGFILE" >&2; die "the MongoDB-wire database did not become healthy; see $LOGFILE"; }
  log "$(cat "$DIR/engine") healthy"
}

status() {
  if pid_alive "$PIDFILE"; then
    "$PYTHON" "$ROOT/deploy/local/healthcheck.py" mongo "mongodb://127.0.0.1:$MONGO_PORT/" --once \
      && echo "mongo: up ($(cat "$DIR/engine"), pid $(cat "$PIDFILE"), 127.0.0.1:$MONGO_PORT)" \
      || { echo "mongo: running but not healthy"; return 1; }
  else
    echo "mongo: down"; return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) stop_pidfile "$PIDFILE" "MongoDB-wire database"; stop_postgres ;;
  status) status ;;
  fetch) command -v mongod >/dev/null 2>&1 || build_ferretdb ;;
  *) die "usage: mongo.sh up|down|status|fetch" ;;
esac
