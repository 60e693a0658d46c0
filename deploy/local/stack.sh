#!/usr/bin/env bash
# The whole local infrastructure: Kafka + the MongoDB-wire database. Usage: stack.sh up|down|status|fetch
# `up` installs Debian's PostgreSQL 15 first when it is missing and can be (see ensure_database_store in common.sh).
# `fetch` only prepares, all at once: PostgreSQL's install, the Kafka jars, the FerretDB build (no virtualenv needed:
# `make run` and `make test` run it while pip installs the project).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$ROOT/deploy/local"
case "${1:-}" in
  up) ensure_database_store; "$here/kafka.sh" up; "$here/mongo.sh" up
      echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"; echo "MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/" ;;
  down) "$here/kafka.sh" down; "$here/mongo.sh" down ;;
  status) rc=0; "$here/kafka.sh" status || rc=1; "$here/mongo.sh" status || rc=1; exit $rc ;;
  fetch) ensure_database_store --no-fallback & store=$!
         "$here/kafka.sh" fetch & jars=$!
         "$here/mongo.sh" fetch & ferretdb=$!
         rc=0; wait $store || rc=1; wait $jars || rc=1; wait $ferretdb || rc=1; exit $rc ;;
  *) die "usage: stack.sh up|down|status|fetch" ;;
esac
