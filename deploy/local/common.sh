# Shared by the deploy/local scripts: paths, logging, process helpers. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Runtime state (data, logs, pids) lives in the checkout; downloads are cached per user so that
# a fresh clone downloads nothing twice.
STATE_DIR="${PROFILEHUB_STATE_DIR:-$ROOT/.local}"
CACHE_DIR="${PROFILEHUB_CACHE_DIR:-$HOME/.cache/profilehub}"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
KAFKA_PORT="${PROFILEHUB_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${PROFILEHUB_KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${PROFILEHUB_MONGO_PORT:-27017}"
# Where Debian's PostgreSQL packages put their binaries (<version>/bin/initdb …).
POSTGRES_LIB="${PROFILEHUB_POSTGRES_LIB:-/usr/lib/postgresql}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

log() { printf '[deploy/local] %s\n' "$*" >&2; }
die() { printf '[deploy/local] error: %s\n' "$*" >&2; exit 1; }

need() {  # need <command> <what it is for> <how to get it>
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH; it is needed for $2. Install it: $3"
}

pid_alive() {  # pid_alive <pidfile>
  [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

port_open() {  # port_open <port>
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_pidfile() {  # stop_pidfile <pidfile> <name>: SIGTERM, wait up to 30 s, then SIGKILL
  local pidfile="$1" name="$2" pid
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; log "$name is not running"; return 0; fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in 30 s; killing it"; kill -KILL "$pid"; fi
  rm -f "$pidfile"
  log "$name stopped"
}

# FerretDB's store (deploy/local/mongo.sh) is Debian's PostgreSQL. When it is missing, install it where this user
# can (root with apt-get, as .ci/run does); otherwise fall back to FerretDB's SQLite back end, saying so in one line
# (with --no-fallback: only try the install, silently). Nothing to do with a `mongod` on PATH, or when
# PROFILEHUB_FERRETDB_BACKEND chooses the back end.
ensure_database_store() {
  command -v mongod >/dev/null 2>&1 && return 0
  [[ -n "${PROFILEHUB_FERRETDB_BACKEND:-}" ]] && return 0
  ls "$POSTGRES_LIB"/*/bin/initdb >/dev/null 2>&1 && return 0
  local why
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL is not installed: installing Debian's postgresql-15 with apt-get (once)"
    if apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 \
      && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql-15 >/dev/null 2>&1 \
      && ls "$POSTGRES_LIB"/*/bin/initdb >/dev/null 2>&1; then
      return 0
    fi
    why="apt-get install postgresql-15 failed"
  else
    why="installing it needs root and apt-get"
  fi
  [[ "${1:-}" == --no-fallback ]] && return 0
  export PROFILEHUB_FERRETDB_BACKEND=sqlite
  log "PostgreSQL 15 is not installed ($why): FerretDB uses its slower SQLite back end; apt-get install postgresql-15 for the PostgreSQL one"
}
