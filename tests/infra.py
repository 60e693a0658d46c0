"""Where the tests' Kafka and MongoDB come from.

1. `KAFKA_BOOTSTRAP_SERVERS` and `MONGO_URL` from the environment, when both are given;
2. else testcontainers, when a Docker engine answers;
3. else the project's native stack, `deploy/local/stack.sh up` (idempotent).
If none works the tests that need it fail with the reason; they never skip.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Infrastructure:
    kafka_bootstrap_servers: str
    mongo_url: str
    source: str


def docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def from_testcontainers() -> Infrastructure:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    kafka = KafkaContainer("apache/kafka:4.1.0").with_kraft().start()
    mongo = MongoDbContainer("mongo:7").start()
    return Infrastructure(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")


def from_local_stack() -> Infrastructure:
    done = subprocess.run([str(ROOT / "deploy/local/stack.sh"), "up"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"deploy/local/stack.sh up failed:\n{done.stderr[-4000:]}")
    port_kafka = os.environ.get("PROFILEHUB_KAFKA_PORT", "9092")
    port_mongo = os.environ.get("PROFILEHUB_MONGO_PORT", "27017")
    return Infrastructure(f"127.0.0.1:{port_kafka}", f"mongodb://127.0.0.1:{port_mongo}/", "deploy/local")


def provide() -> Infrastructure:
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGO_URL")
    if kafka and mongo:
        return Infrastructure(kafka, mongo, "environment")
    if docker_answers():
        return from_testcontainers()
    return from_local_stack()
