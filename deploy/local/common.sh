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
