"""Health checks for the local stack: Kafka creates and lists a topic; MongoDB pings, inserts, finds.

Usage: healthcheck.py kafka HOST:PORT [--once] [--pid PID] | healthcheck.py mongo URL [--once] [--pid PID]
Waits up to 90 s unless --once; gives up at once when the process PID has exited.
"""

import asyncio
import contextlib
import logging
import os
import sys
import time
import uuid

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from pymongo import MongoClient

HEALTH_TOPIC = "profilehub.healthcheck"


async def kafka_ok(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(HEALTH_TOPIC, num_partitions=1, replication_factor=1)])
        if HEALTH_TOPIC not in await admin.list_topics():
            raise RuntimeError("health topic not listed")
    finally:
        await admin.close()


def mongo_ok(url: str) -> None:
    client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=3000)
    try:
        client.admin.command("ping")
        coll = client["profilehubhealth"]["checks"]
        marker = str(uuid.uuid4())
        coll.insert_one({"_id": marker})
        if coll.find_one({"_id": marker}) is None:
            raise RuntimeError("inserted document not found")
        coll.delete_one({"_id": marker})
    finally:
        client.close()


def check(kind: str, target: str) -> None:
    if kind == "kafka":
        asyncio.run(kafka_ok(target))
    elif kind == "mongo":
        mongo_ok(target)
    else:
        raise SystemExit(f"unknown check {kind!r}")


def process_alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main() -> int:
    logging.disable(logging.CRITICAL)  # aiokafka logs every refused connection while the broker starts
    kind, target = sys.argv[1], sys.argv[2]
    pid = int(sys.argv[sys.argv.index("--pid") + 1]) if "--pid" in sys.argv else None
    deadline = time.monotonic() + (0 if "--once" in sys.argv else 90)
    while True:
        try:
            check(kind, target)
            return 0
        except Exception as exc:
            if time.monotonic() >= deadline or not process_alive(pid):
                print(f"{kind} at {target} is not healthy: {exc!r}", file=sys.stderr)
                return 1
            time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
