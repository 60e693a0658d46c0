"""Two deployments with their own topic prefix share one Kafka broker and see nothing of each other.

Each runs the whole system (`deploy/local/run.sh`) with its own `KAFKA_TOPIC_PREFIX` and MongoDB database, on the
broker of the test session. Each gets a database, a profile through the API (gateway → importer → answer), one on
its upsert topic, a poison upsert (its rejection topic), an interaction (the history service) and an export job
(the exporter, job requests and progress). Then: each system holds only its own; every record either wrote since
the start is on a topic of its own prefix; every topic it created and every consumer group it committed carries
its prefix.
"""

import asyncio
import importlib
import json
import pkgutil
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaTimeoutError, StaleMetadata
from pymongo import AsyncMongoClient

from profilehub_shared import contracts
from profilehub_shared.contracts import Message, dead_letter_topic
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.namespace import NAMESPACE
from profilehub_shared.contracts.profiles import ProfileUpsertRejected, UpsertProfile
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from tests.conftest import latin_name
from tests.e2e.importing import create_database, finished
from tests.e2e.system import RunningSystem
from tests.e2e.upstream import parked, until


def logical(topic: str) -> str:
    """A contract's topic without the prefix of this test process (none, unless the run is itself prefixed)."""
    return topic.removeprefix(NAMESPACE.kafka_topic_prefix)


def every_topic() -> set[str]:
    """The topic of every contract, with its dead-letter topic, unprefixed."""
    for module in pkgutil.iter_modules(contracts.__path__):
        importlib.import_module(f"{contracts.__name__}.{module.name}")
    classes: list[type[Message]] = [Message]
    topics: set[str] = set()
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if isinstance(getattr(cls, "topic", None), str):
            topics |= {logical(cls.topic), logical(dead_letter_topic(cls.topic))}
    return topics


@dataclass
class Deployment:
    name: str
    prefix: str
    group_prefix: str
    mongo_db: str
    system: RunningSystem
    markers: set[str] = field(default_factory=set)  # strings only this deployment's records hold

    def topic(self, contract_topic: str) -> str:
        return self.prefix + logical(contract_topic)


@asynccontextmanager
async def deployments(env: dict[str, str], root: Path, names: tuple[str, ...]) -> AsyncIterator[list[Deployment]]:
    started: list[Deployment] = []
    suffix = secrets.token_hex(3)
    for n, name in enumerate(names):
        prefix = f"{name}{suffix}."
        group_prefix = prefix if n == 0 else f"{name}{suffix}-groups-"  # the first one: the default, the topics'
        db = latin_name(name)
        system_env = {**env, "KAFKA_TOPIC_PREFIX": prefix, "MONGO_DB": db, "JOB_LEASE_SECONDS": "5"}
        if group_prefix != prefix:
            system_env["KAFKA_GROUP_PREFIX"] = group_prefix
        started.append(Deployment(name, prefix, group_prefix, db, RunningSystem(system_env, root / name)))
    try:
        for deployment in started:
            deployment.system.start()
        await asyncio.gather(*(d.system.wait_healthy(timeout=240) for d in started))
        yield started
    finally:
        for deployment in started:
            deployment.system.stop()


async def end_offsets(bootstrap: str) -> dict[TopicPartition, int]:
    """The end offset of every partition of every topic on the broker but its internal ones."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([t for t in await admin.list_topics() if not t.startswith("__")])
    finally:
        await admin.close()
    partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
    if not partitions:
        return {}
    for attempt in range(3):
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            # Assigned first, so the client asks the broker about exactly these topics: a consumer that is only
            # told of them by end_offsets waits for metadata of topics created moments ago (other tests' systems)
            # until it gives up with StaleMetadata.
            consumer.assign(partitions)
            return dict(await consumer.end_offsets(partitions))
        except (StaleMetadata, KafkaTimeoutError):
            if attempt == 2:
                raise
        finally:
            await consumer.stop()
    raise AssertionError("unreachable")


async def records_since(bootstrap: str, start: dict[TopicPartition, int]) -> dict[str, list[bytes]]:
    """Key and value of every record written since `start` (on topics made since: from 0), by topic."""
    end = await end_offsets(bootstrap)
    pending = {tp: offset for tp, offset in end.items() if offset > start.get(tp, 0)}
    found: dict[str, list[bytes]] = {}
    if not pending:
        return found
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(pending))
        for tp in pending:
            consumer.seek(tp, start.get(tp, 0))
        async with asyncio.timeout(120):
            while pending:
                for tp, records in (await consumer.getmany(*pending, timeout_ms=1000)).items():
                    for record in records:
                        found.setdefault(tp.topic, []).append((record.key or b"") + b" " + (record.value or b""))
                    if records and records[-1].offset + 1 >= pending[tp]:
                        del pending[tp]
    finally:
        await consumer.stop()
    return found


async def work(deployment: Deployment, token: str, producer: AIOKafkaProducer, settings: ServiceSettings) -> None:
    """Every kind of traffic through one deployment, waited for until it is applied."""
    marker = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"{deployment.system.url}/api/v1", headers=headers, timeout=60) as api:
        db_id = await create_database(api, [])
        deployment.markers |= {marker, db_id}
        put = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": f"api-{marker}@shop.example"}})
        assert put.status_code == 200, put.text
        profile_id = put.json()["profile"]["profile_id"]
        upsert = {"database_id": db_id, "record": {"email": f"stream-{marker}@shop.example"}}
        await producer.send_and_wait(
            deployment.topic(UpsertProfile.topic), json.dumps(upsert).encode(), key=f"{db_id}:{marker}".encode()
        )
        await producer.send_and_wait(
            deployment.topic(UpsertProfile.topic), b"not json", key=f"poison-{marker}".encode()
        )
        opened = InteractionRecorded(database_id=db_id, profile_id=profile_id, type="open", message_id=marker)
        await producer.send_and_wait(
            deployment.topic(InteractionRecorded.topic), opened.model_dump_json().encode(), key=profile_id.encode()
        )

        async def both_profiles() -> bool:
            listed = await api.get(f"/databases/{db_id}/profiles")
            return len(listed.json()["items"]) == 2

        await until(both_profiles, timeout=120)

        async def opened_in_history() -> bool:
            items = (await api.get(f"/databases/{db_id}/profiles/{profile_id}/history")).json()["items"]
            return any(item["type"] == "open" for item in items)

        await until(opened_in_history, timeout=120)
        started = await api.post(f"/databases/{db_id}/exports", json={"fields": ["email"], "format": "csv"})
        assert started.status_code == 202, started.text
        job = await finished(api, started.json()["id"], timeout=120)
        assert job["status"] == "done" and job["counts"]["processed"] == 2, job
        deployment.markers.add(job["id"])
        # The poison record went to this deployment's rejection topic, under this deployment's prefix.
        rejections = await parked(settings, deployment.topic(ProfileUpsertRejected.topic), f"poison-{marker}")
        assert rejections[0]["errors"], rejections


async def profiles_holding(mongo_url: str, mongo_db: str, markers: set[str]) -> list[str]:
    """Emails in any profile collection of `mongo_db` that hold one of `markers`."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_url)
    try:
        db = client[mongo_db]
        found = []
        for name in await db.list_collection_names():
            if name.startswith(profiles_collection_name("")):
                async for profile in db[name].find({}, {"email": 1}):
                    if any(m in str(profile.get("email")) for m in markers):
                        found.append(str(profile["email"]))
        return found
    finally:
        await client.close()


async def committed_groups(bootstrap: str) -> dict[str, set[str]]:
    """Consumer group → the topics it has committed offsets on."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = [group for group, _ in await admin.list_consumer_groups()]
        return {group: {tp.topic for tp in await admin.list_consumer_group_offsets(group)} for group in groups}
    finally:
        await admin.close()


@pytest.mark.timeout(600)
async def test_two_prefixed_deployments_on_one_broker_exchange_no_message(
    service_env: dict[str, str], settings: ServiceSettings, tmp_path: Path
) -> None:
    bootstrap = settings.kafka_bootstrap_servers
    token = secrets.token_urlsafe(24)
    start = await end_offsets(bootstrap)
    env = {**service_env, "PROFILEHUB_ADMIN_TOKEN": token}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        async with deployments(env, tmp_path, ("alpha", "beta")) as (alpha, beta):
            await asyncio.gather(work(alpha, token, producer, settings), work(beta, token, producer, settings))
    finally:
        await producer.stop()

    written = await records_since(bootstrap, start)
    groups = await committed_groups(bootstrap)
    topics = {tp.topic for tp in await end_offsets(bootstrap)}
    for mine, other in ((alpha, beta), (beta, alpha)):
        # Nothing of one deployment reached the other's database.
        assert await profiles_holding(settings.mongo_url, other.mongo_db, mine.markers) == []
        assert len(await profiles_holding(settings.mongo_url, mine.mongo_db, mine.markers)) == 2
        # Every record that mentions this deployment is on one of its own topics, and there are such records.
        holding = {
            topic for topic, records in written.items() if any(m.encode() in r for r in records for m in mine.markers)
        }
        assert holding, f"no record of {mine.name} found: the scan itself is broken"
        assert {t for t in holding if not t.startswith(mine.prefix)} == set(), f"{mine.name}'s records crossed"
        # Its topics are the contracts' topics under its prefix, once (no doubled prefix, no stray names).
        own_topics = {t for t in topics if t.startswith(mine.prefix)}
        assert {t.removeprefix(mine.prefix) for t in own_topics} <= every_topic(), own_topics
        assert {mine.topic(UpsertProfile.topic), mine.topic(dead_letter_topic(UpsertProfile.topic))} <= own_topics
        # Its consumer groups carry its prefix and read only its topics; no other group read any of its topics.
        own_groups = {g: topics for g, topics in groups.items() if g.startswith(mine.group_prefix)}
        assert {"importer-upserts", "history-interactions", "exporter-jobs", "gateway-jobs", "schema"} <= {
            g.removeprefix(mine.group_prefix) for g in own_groups
        }, sorted(groups)
        assert all(t.startswith(mine.prefix) for topics in own_groups.values() for t in topics), own_groups
        strangers = {g for g, topics in groups.items() if not g.startswith(mine.group_prefix) and topics & own_topics}
        assert strangers == set(), f"groups outside {mine.name} read its topics"
