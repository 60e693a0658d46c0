#!/usr/bin/env bash
# Runs the whole system on this machine: the local infrastructure, then the six services as processes.
# Logs go to .local/logs/<service>.log. Ctrl-C (or SIGTERM) stops every service; the infrastructure
# keeps running (`make infra-down` stops it).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

HTTP_PORT="${HTTP_PORT:-8080}"
LOGS="$STATE_DIR/logs"
mkdir -p "$LOGS"

# Given KAFKA_BOOTSTRAP_SERVERS and MONGO_URL, use those; otherwise start the native local stack.
if [[ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" || -z "${MONGO_URL:-}" ]]; then
  "$ROOT/deploy/local/stack.sh" up >/dev/null
fi
export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$KAFKA_PORT}"
export MONGO_URL="${MONGO_URL:-mongodb://127.0.0.1:$MONGO_PORT/}"
if [[ -z "${PROFILEHUB_ADMIN_TOKEN:-}" ]]; then
  # No default secret: a random admin token per checkout, kept in .local so that it survives restarts.
  [[ -f "$STATE_DIR/admin-token" ]] || "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$STATE_DIR/admin-token"
  PROFILEHUB_ADMIN_TOKEN="$(cat "$STATE_DIR/admin-token")"
fi
export PROFILEHUB_ADMIN_TOKEN
if [[ -z "${SUBSCRIPTION_MANAGER_SECRET:-}" ]]; then
  # The same for the key that signs subscription-manager links (gateway and exporter).
  [[ -f "$STATE_DIR/subscription-manager-secret" ]] \
    || "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$STATE_DIR/subscription-manager-secret"
  SUBSCRIPTION_MANAGER_SECRET="$(cat "$STATE_DIR/subscription-manager-secret")"
fi
export SUBSCRIPTION_MANAGER_SECRET
export SUBSCRIPTION_MANAGER_BASE_URL="${SUBSCRIPTION_MANAGER_BASE_URL:-http://127.0.0.1:$HTTP_PORT}"

STOP_FLAG="$STATE_DIR/run.stopping"
rm -f "$STOP_FLAG"
pids=()

# SIGTERM, then up to STOP_GRACE_SECONDS (default 15; every service stops within 10) before SIGKILL, so that a stop
# is bounded whatever a process does.
stop_child() {  # stop_child <pid> <name>
  local child="$1" name="$2"
  kill -TERM "$child" 2>/dev/null || return 0
  for _ in $(seq 1 $(( ${STOP_GRACE_SECONDS:-15} * 10 ))); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$child" 2>/dev/null; then log "$name did not stop in ${STOP_GRACE_SECONDS:-15} s; killing it"; kill -KILL "$child"; fi
  wait "$child" 2>/dev/null || true
}

# Each service runs under a small supervisor loop: if it dies (a crash, kill -9), it is started again
# after 2 s and resumes its work (Kafka offsets, job leases); Ctrl-C stops the loops and the services.
supervise() {
  local name="$1"; shift
  while true; do
    "$@" >>"$LOGS/$name.log" 2>&1 &
    local child=$!
    trap 'stop_child $child "$name"; exit 0' TERM INT
    local code=0
    wait "$child" || code=$?  # (set -e would end the loop on the child's failure)
    [[ -f "$STOP_FLAG" ]] && exit 0
    log "$name exited with code $code; restarting in 2 s (log: $LOGS/$name.log)"
    sleep 2
  done
}

stop_all() {
  trap - INT TERM EXIT
  touch "$STOP_FLAG"
  log "stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$STOP_FLAG"
  log "all services stopped"
  exit 0
}
trap stop_all INT TERM EXIT

# <SERVICE>_REPLICAS (e.g. IMPORTER_REPLICAS=2 HISTORY_REPLICAS=2) runs that many processes of a Kafka service, each
# under its own supervisor loop; they share the partitions of the service's consumer groups. Replica 1 logs to
# <service>.log, replica n to <service>-n.log.
names=()
for service in schema importer exporter history ml; do
  replicas_var="${service^^}_REPLICAS"
  replicas="${!replicas_var:-1}"
  [[ "$replicas" =~ ^[1-9][0-9]?$ ]] || die "$replicas_var must be a whole number from 1 to 99 (got '$replicas')"
  for n in $(seq 1 "$replicas"); do
    if (( n > 1 )); then names+=("$service-$n"); else names+=("$service"); fi
  done
done

# Each process gets its own ops port (/metrics, /health/live, /health/ready): OPS_PORT_BASE, OPS_PORT_BASE+1, … in
# the order above when set; otherwise free ports the OS hands out now. They are listed in .local/ops-ports.
if [[ -n "${OPS_PORT_BASE:-}" ]]; then
  [[ "$OPS_PORT_BASE" =~ ^[1-9][0-9]{2,4}$ ]] || die "OPS_PORT_BASE must be a port number (got '$OPS_PORT_BASE')"
  ports=(); for i in "${!names[@]}"; do ports+=($((OPS_PORT_BASE + i))); done
else
  mapfile -t ports < <("$PYTHON" - "${#names[@]}" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))
PY
)
fi
export OPS_HOST="${OPS_HOST:-127.0.0.1}"
: >"$STATE_DIR/ops-ports"
for i in "${!names[@]}"; do
  name="${names[$i]}"; service="${name%%-*}"
  echo "$name ${ports[$i]}" >>"$STATE_DIR/ops-ports"
  supervise "$name" env OPS_PORT="${ports[$i]}" "$ROOT/.venv/bin/faststream" run "${service}_service.app:create_app" --factory &
  pids+=($!)
done
supervise gateway env HTTP_HOST=127.0.0.1 HTTP_PORT="$HTTP_PORT" "$PYTHON" -m gateway_service &
pids+=($!)

log "services starting; logs in $LOGS"
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1; then break; fi
  sleep 1
done
echo "Profilehub API:  http://127.0.0.1:$HTTP_PORT   (docs: http://127.0.0.1:$HTTP_PORT/docs)"
echo "Health:          http://127.0.0.1:$HTTP_PORT/health"
echo "Admin token:     $STATE_DIR/admin-token (or PROFILEHUB_ADMIN_TOKEN)"
echo "Subscriber links: signed with $STATE_DIR/subscription-manager-secret (or SUBSCRIPTION_MANAGER_SECRET)"
echo "Metrics:         http://127.0.0.1:$HTTP_PORT/metrics (gateway)"
while read -r name port; do printf '                 http://127.0.0.1:%s/metrics (%s)\n' "$port" "$name"; done <"$STATE_DIR/ops-ports"
echo "Press Ctrl-C to stop."
wait "${pids[@]}"
