#!/usr/bin/env bash
# A MongoDB-wire database on 127.0.0.1: a `mongod` found on PATH, else FerretDB 1.x over SQLite
# built from the Go module proxy. Usage: mongo.sh up|down|status
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DIR="$STATE_DIR/mongo"
PIDFILE="$DIR/mongo.pid"
LOGFILE="$DIR/mongo.log"
FERRETDB="$CACHE_DIR/ferretdb-$FERRETDB_VERSION/ferretdb"

build_ferretdb() {
  [[ -x "$FERRETDB" ]] && return 0
  need go "building FerretDB (the MongoDB-wire database used when no mongod is installed)" \
    "install Go 1.24+ from https://go.dev/dl or apt-get install golang"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (once; cached in $(dirname "$FERRETDB"))"
  mkdir -p "$(dirname "$FERRETDB")"
  # `go install …@version` builds a binary that panics at start-up: the module zip carries an empty
  # build/version/version.txt. So: download the module, fill that file in a copy, build the copy.
  local src work
  src="$(cd /tmp && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json \
    "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
    || die "downloading the FerretDB module failed"
  work="$(mktemp -d)"
  cp -r "$src/." "$work" && chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  (cd "$work" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -o "$FERRETDB.tmp" ./cmd/ferretdb) || die "building FerretDB failed"
  rm -rf "$work"
  mv "$FERRETDB.tmp" "$FERRETDB"
}

start_mongod() {
  mkdir -p "$DIR/mongod-data"
  log "starting mongod from PATH on 127.0.0.1:$MONGO_PORT (log: $LOGFILE)"
  nohup mongod --bind_ip 127.0.0.1 --port "$MONGO_PORT" --dbpath "$DIR/mongod-data" >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  echo mongod >"$DIR/engine"
}

start_ferretdb() {
  build_ferretdb
  mkdir -p "$DIR/ferretdb-data" "$DIR/ferretdb-state"
  log "starting FerretDB $FERRETDB_VERSION (SQLite) on 127.0.0.1:$MONGO_PORT (log: $LOGFILE)"
  nohup "$FERRETDB" --handler=sqlite --sqlite-url="file:$DIR/ferretdb-data/" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$DIR/ferretdb-state" \
    --debug-addr=- --telemetry=disable --log-level=warn >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  echo "ferretdb $FERRETDB_VERSION" >"$DIR/engine"
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
  down) stop_pidfile "$PIDFILE" "MongoDB-wire database" ;;
  status) status ;;
  *) die "usage: mongo.sh up|down|status" ;;
esac
