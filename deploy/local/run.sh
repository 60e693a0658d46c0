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

pids=()
stop_all() {
  trap - INT TERM EXIT
  log "stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  log "all services stopped"
  exit 0
}
trap stop_all INT TERM EXIT

for service in schema importer exporter history ml; do
  "$ROOT/.venv/bin/faststream" run "${service}_service.app:create_app" --factory >>"$LOGS/$service.log" 2>&1 &
  pids+=($!)
done
"$ROOT/.venv/bin/uvicorn" gateway_service.app:create_app --factory --host 127.0.0.1 --port "$HTTP_PORT" \
  >>"$LOGS/gateway.log" 2>&1 &
pids+=($!)

log "services starting; logs in $LOGS"
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1; then break; fi
  sleep 1
done
echo "Profilehub API:  http://127.0.0.1:$HTTP_PORT   (docs: http://127.0.0.1:$HTTP_PORT/docs)"
echo "Health:          http://127.0.0.1:$HTTP_PORT/health"
echo "Admin token:     $STATE_DIR/admin-token (or PROFILEHUB_ADMIN_TOKEN)"
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}" || true
log "a service exited; see $LOGS"
