"""KAFKA_TOPIC_PREFIX and KAFKA_GROUP_PREFIX reach every topic and consumer group of every service.

Each service is built (not started) in a process of its own with the prefixes in its environment, as a deployment
would run it; every subscriber, publisher and consumer group of its broker is listed and checked. The end-to-end
proof that two prefixed deployments exchange nothing on one broker is tests/e2e/test_namespaces.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from profilehub_shared.contracts.namespace import NAMESPACE, KafkaNamespace, check_namespace
from profilehub_shared.contracts.profiles import UpsertProfile
from profilehub_shared.kafka import durable

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "schema", "importer", "exporter", "history", "ml")

LIST_ENDPOINTS = """
import importlib, json, sys
module = importlib.import_module(f"{sys.argv[1]}_service.app")
brokers = []
if hasattr(module, "make_broker"):  # the gateway makes its broker in create_app and keeps it in its lifespan
    make = module.make_broker
    module.make_broker = lambda *args, **kwargs: brokers.append(make(*args, **kwargs)) or brokers[-1]
app = module.create_app()
broker = getattr(app, "broker", None) or brokers[0]
print(json.dumps({
    "subscribed": sorted(t for s in broker.subscribers for t in s.topic_names),
    "groups": sorted({s.group_id for s in broker.subscribers if s.group_id}),
    "published": sorted(p.topic for p in broker.publishers),
}))
"""


def endpoints(service: str, env: dict[str, str]) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", LIST_ENDPOINTS, service],
        env={**os.environ, "PROFILEHUB_ADMIN_TOKEN": "x" * 24, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("service", SERVICES)
def test_every_topic_and_group_of_a_service_carries_the_prefixes(service: str) -> None:
    found = endpoints(service, {"KAFKA_TOPIC_PREFIX": "tenant-a.", "KAFKA_GROUP_PREFIX": "grp-a."})
    assert found["subscribed"], f"{service} subscribes to nothing?"
    for topic in found["subscribed"] + found["published"]:
        assert topic.startswith("tenant-a."), topic
        assert not topic.startswith("tenant-a.tenant-a."), topic
    for group in found["groups"]:
        assert group.startswith("grp-a."), group


@pytest.mark.parametrize("service", ("importer", "gateway"))
def test_the_group_prefix_defaults_to_the_topic_prefix(service: str) -> None:
    found = endpoints(service, {"KAFKA_TOPIC_PREFIX": "staging-"})
    assert found["groups"] and all(group.startswith("staging-") for group in found["groups"]), found["groups"]


def test_without_a_prefix_names_are_the_contracts_own() -> None:
    assert NAMESPACE.kafka_topic_prefix == "", "the test process itself runs unprefixed"
    assert UpsertProfile.topic == "profiles.upsert-requested.v1"
    assert durable("importer-upserts")["group_id"] == "importer-upserts"


def test_a_prefix_kafka_cannot_hold_is_refused_with_the_variable_and_the_value() -> None:
    with pytest.raises(ValidationError) as refused:
        KafkaNamespace(kafka_topic_prefix="two words")
    assert "kafka_topic_prefix" in str(refused.value) and "two words" in str(refused.value)
    done = subprocess.run(
        [sys.executable, "-c", "import profilehub_shared.contracts"],
        env={**os.environ, "KAFKA_TOPIC_PREFIX": "a/b"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "kafka_topic_prefix" in done.stderr and "a/b" in done.stderr


def test_settings_given_another_prefix_in_code_are_refused_at_start() -> None:
    check_namespace(KafkaNamespace())  # the environment's own: fine
    with pytest.raises(RuntimeError, match="KAFKA_TOPIC_PREFIX"):
        check_namespace(KafkaNamespace(kafka_topic_prefix="other."))
