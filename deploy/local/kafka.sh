#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) assembled from Maven Central jars.
# Usage: kafka.sh up|down|status|fetch (fetch: only download the jars; needs no virtualenv)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
DIR="$STATE_DIR/kafka"
PIDFILE="$DIR/kafka.pid"
LOGFILE="$DIR/kafka.log"
CONF="$DIR/server.properties"

fetch_jars() {
  [[ -f "$LIBS/.complete" ]] && return 0
  need java "the Kafka broker (Java 17+)" "apt-get install openjdk-17-jre-headless"
  need mvn "fetching the Kafka jars from Maven Central" "apt-get install maven"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
  mkdir -p "$LIBS"
  mvn -q -B -f "$ROOT/deploy/local/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$LIBS" -DincludeScope=runtime
  touch "$LIBS/.complete"
}

write_config() {
  mkdir -p "$DIR/data"
  sed -e "s|@DATA_DIR@|$DIR/data|" -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$ROOT/deploy/local/kafka/server.properties.in" >"$CONF"
}

java_opts() {
  echo "-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true" \
       "-Dlog4j2.configurationFile=$ROOT/deploy/local/kafka/log4j2.properties"
}

format_storage() {
  [[ -f "$DIR/data/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(java -cp "$LIBS/*" kafka.tools.StorageTool random-uuid)"
  log "formatting storage (cluster $cluster_id)"
  # shellcheck disable=SC2046
  java $(java_opts) -cp "$LIBS/*" kafka.tools.StorageTool format --standalone --ignore-formatted \
    -t "$cluster_id" -c "$CONF" >>"$LOGFILE" 2>&1 || die "formatting Kafka storage failed; see $LOGFILE"
}

up() {
  if pid_alive "$PIDFILE"; then log "Kafka already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  if port_open "$KAFKA_PORT"; then die "port $KAFKA_PORT is taken by another process; stop it or set PROFILEHUB_KAFKA_PORT"; fi
  need java "the Kafka broker (Java 17+)" "apt-get install openjdk-17-jre-headless"
  fetch_jars
  mkdir -p "$DIR"
  write_config
  format_storage
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (log: $LOGFILE)"
  # shellcheck disable=SC2046
  nohup java $(java_opts) -cp "$LIBS/*" kafka.Kafka "$CONF" >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  "$PYTHON" "$ROOT/deploy/local/healthcheck.py" kafka "127.0.0.1:$KAFKA_PORT" --pid "$(cat "$PIDFILE")" \
    || { tail -20 "$LOGFILE" >&2; die "Kafka did not become healthy; see $LOGFILE"; }
  log "Kafka healthy"
}

status() {
  if pid_alive "$PIDFILE"; then
    "$PYTHON" "$ROOT/deploy/local/healthcheck.py" kafka "127.0.0.1:$KAFKA_PORT" --once \
      && echo "kafka: up (pid $(cat "$PIDFILE"), 127.0.0.1:$KAFKA_PORT)" \
      || { echo "kafka: running but not healthy"; return 1; }
  else
    echo "kafka: down"; return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) stop_pidfile "$PIDFILE" Kafka ;;
  status) status ;;
  fetch) fetch_jars ;;
  *) die "usage: kafka.sh up|down|status|fetch" ;;
esac
