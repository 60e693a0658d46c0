"""Poison records on the running system: each kind, on every topic that consumes it, is parked with its code
while a good record behind it (same key, so the same partition) is applied within seconds.

The poison is published to every partition of the topic first, so whatever partition the good record hashes to,
it queues behind a poison record: before the fix, one such record stalled its partition for ever.
"""

import asyncio
import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts import dead_letter_topic
from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import JobRequested
from profilehub_shared.contracts.ml import SendTimeScored
from profilehub_shared.contracts.profiles import DeleteProfile, ProfileChanged, ProfileUpsertRejected, UpsertProfile
from profilehub_shared.contracts.schema import DatabaseChanged
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from tests.e2e.importing import create_database, finished

pytestmark = pytest.mark.timeout(300)

ESSAY = {"name": "essay", "type": "line", "max_length": 1_000_000}
DEEP = 1000


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def upsert_bytes(db_id: str, record: bytes) -> bytes:
    return b'{"database_id":"' + db_id.encode() + b'","record":' + record + b"}"


def interaction_bytes(db_id: str, pid: str, *, occurred_at: str = "", payload: bytes = b"{}") -> bytes:
    at = occurred_at or datetime.now(UTC).isoformat()
    head = {"event_id": str(uuid.uuid4()), "database_id": db_id, "profile_id": pid, "type": "open", "occurred_at": at}
    return json.dumps(head).encode()[:-1] + b',"payload":' + payload + b"}"


class Upstream:
    """Publishes raw bytes, as a careless or hostile upstream system would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def everywhere(self, topic: str, key: str, value: bytes | None) -> None:
        """The same record on every partition of `topic`."""
        for partition in await self.producer.partitions_for(topic):
            await self.producer.send_and_wait(topic, value, key=key.encode(), partition=partition)

    async def send(self, topic: str, key: str, value: bytes) -> None:
        await self.producer.send_and_wait(topic, value, key=key.encode())


@pytest.fixture
async def upstream(settings: ServiceSettings) -> Any:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, max_request_size=2**21)
    await producer.start()
    try:
        yield Upstream(producer)
    finally:
        await producer.stop()


async def parked(settings: ServiceSettings, topic: str, key: str, count: int = 1, timeout: float = 60) -> list[Any]:
    """The rejections or dead letters on `topic` about records that had `key` (read from the start)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest", group_id=None
    )
    found: list[dict[str, Any]] = []
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while len(found) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for r in records:
                        body = json.loads(r.value)
                        if (body.get("consumed") or {}).get("key") == key:
                            found.append(body)
    finally:
        await consumer.stop()
    return found


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    async with asyncio.timeout(timeout):
        while not (value := await check()):
            await asyncio.sleep(0.2)
    return value


async def profile_by_email(mongo: AsyncDatabase, db_id: str, email: str) -> dict[str, Any] | None:
    return await mongo[profiles_collection_name(db_id)].find_one({"email": email})


UPSERT_POISON = {
    "lone_surrogate": (lambda db: upsert_bytes(db, b'{"email":"x@shop.example","first_name":"\\ud800"}'), "json_invalid"),
    "nested_1000_deep": (lambda db: upsert_bytes(db, b'{"email":"x@shop.example","o":' + nested(DEEP) + b"}"), "json_invalid"),
    "invalid_utf8": (lambda db: b'{"database_id":"' + db.encode() + b'","record":{"first_name":"\xff\xfe"}}', "json_invalid"),
    "not_json": (lambda db: b"\x00\x01 not json at all", "json_invalid"),
    "nul_in_database_id": (lambda db: upsert_bytes(db + "\\u0000", b'{"email":"x@shop.example"}'), "string_pattern_mismatch"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(UPSERT_POISON))
async def test_a_poison_upsert_is_rejected_and_the_next_one_with_its_key_is_applied(
    kind: str, api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    email = f"{kind.replace('_', '-')}@shop.example"
    key = f"{db_id}:{email}:{uuid.uuid4().hex[:6]}"
    build, code = UPSERT_POISON[kind]
    await upstream.everywhere(UpsertProfile.topic, key, build(db_id))
    good = {"database_id": db_id, "record": {"email": email, "first_name": "Good"}}
    await upstream.send(UpsertProfile.topic, key, json.dumps(good).encode())

    profile = await until(lambda: profile_by_email(mongo, db_id, email))
    assert profile["first_name"] == "Good"
    refusals = await parked(settings, ProfileUpsertRejected.topic, key, count=3)
    assert {r["errors"][0]["code"] for r in refusals} == {code}
    assert {base64.b64decode(r["consumed"]["value_base64"]) for r in refusals} == {build(db_id)}


async def test_an_upsert_whose_change_event_would_exceed_a_kafka_message_is_refused_as_too_large(
    api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [ESSAY])
    email, key = "essayist@shop.example", f"{db_id}:essayist"

    async def upsert(record: dict[str, Any]) -> None:
        await upstream.send(UpsertProfile.topic, key, json.dumps({"database_id": db_id, "record": record}).encode())

    await upsert({"email": email, "essay": "a" * 600_000})  # a 600 KB event: fits
    await until(lambda: profile_by_email(mongo, db_id, email))
    await upsert({"email": email, "essay": "b" * 600_000})  # old and new: a 1.2 MB event, over the limit
    await upsert({"email": email, "first_name": "After"})

    profile = await until(lambda: mongo[profiles_collection_name(db_id)].find_one({"first_name": "After"}))
    assert profile["fields"]["essay"] == "a" * 600_000, "the refused write must not have been made"
    [refusal] = await parked(settings, ProfileUpsertRejected.topic, key)
    assert refusal["errors"][0]["code"] == "too_large"
    assert refusal["errors"][0]["field"] == "fields.essay"
    assert refusal["record"] == {}, "a record over 64 KiB travels as bytes only"


INTERACTION_POISON = {
    "year_1_east_of_utc": lambda db, pid: interaction_bytes(db, pid, occurred_at="0001-01-01T00:00:00+01:00"),
    "year_9999_west_of_utc": lambda db, pid: interaction_bytes(db, pid, occurred_at="9999-12-31T23:59:59-14:00"),
    "nul_in_profile_id": lambda db, pid: interaction_bytes(db, pid + "\x00"),
    "nul_in_database_id": lambda db, pid: interaction_bytes(db + "\x00", pid),
    "lone_surrogate_in_payload": lambda db, pid: interaction_bytes(db, pid, payload=b'{"ua":"\\udc00"}'),
    "nested_1000_deep_payload": lambda db, pid: interaction_bytes(db, pid, payload=nested(DEEP)),
    "invalid_utf8": lambda db, pid: interaction_bytes(db, pid, payload=b'{"ua":"\xc3\x28"}'),
}


@pytest.mark.parametrize("kind", sorted(INTERACTION_POISON))
async def test_a_poison_interaction_is_rejected_and_the_next_one_with_its_key_is_stored(
    kind: str, api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    answer = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": f"{kind[:20]}@shop.example"}})
    assert answer.status_code == 200, answer.text
    pid = answer.json()["profile"]["profile_id"]
    poison = INTERACTION_POISON[kind](db_id, pid)
    await upstream.everywhere(InteractionRecorded.topic, pid, poison)
    good = InteractionRecorded(database_id=db_id, profile_id=pid, type="send")
    await upstream.send(InteractionRecorded.topic, pid, good.model_dump_json().encode())

    stored = await until(lambda: mongo.history.find_one({"_id": str(good.event_id)}))
    assert stored["type"] == "send"
    marked = await until(
        lambda: mongo[profiles_collection_name(db_id)].find_one({"_id": pid, "has_interactions": True})
    )
    assert marked is not None
    refusals = await parked(settings, InteractionRejected.topic, pid, count=3)
    assert {r["code"] for r in refusals} == {"invalid"}
    assert {base64.b64decode(r["consumed"]["value_base64"]) for r in refusals} == {poison}


CHANGE_POISON = {
    "lone_surrogate": b'{"database_id":"d","profile_id":"p","change":"created","source":"copy","changes":[{"field":"first_name","new":"\\ud800"}]}',
    "year_1_east_of_utc": b'{"occurred_at":"0001-01-01T00:00:00+01:00","database_id":"d","profile_id":"p","change":"created","source":"copy"}',
    "not_json": b"\xff",
    "tombstone": None,
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CHANGE_POISON))
async def test_a_poison_profile_change_is_dead_lettered_and_the_next_one_is_kept_in_history(
    kind: str, api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    pid = uuid.uuid4().hex
    await upstream.everywhere(ProfileChanged.topic, pid, CHANGE_POISON[kind])
    good = ProfileChanged(database_id=db_id, profile_id=pid, change="created", source="copy")
    await upstream.send(ProfileChanged.topic, pid, good.model_dump_json().encode())

    stored = await until(lambda: mongo.history.find_one({"_id": str(good.event_id)}))
    assert stored["type"] == "profile_created"
    letters = await parked(settings, dead_letter_topic(ProfileChanged.topic), pid, count=3)
    assert {letter["code"] for letter in letters} == {"invalid_message"}


async def test_a_poison_send_time_score_is_dead_lettered_and_the_next_one_is_written(
    api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    answer = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "scored@shop.example"}})
    pid = answer.json()["profile"]["profile_id"]
    poison = b'{"database_id":"' + db_id.encode() + b'","profile_id":"' + pid.encode() + b'","bst":{"hours":[99]}}'
    await upstream.everywhere(SendTimeScored.topic, pid, poison)
    good = SendTimeScored(database_id=db_id, profile_id=pid, bst={"hours": [7], "weekdays": [2], "confidence": 0.5})
    await upstream.send(SendTimeScored.topic, pid, good.model_dump_json().encode())

    profile = await until(lambda: mongo[profiles_collection_name(db_id)].find_one({"_id": pid, "ml.bst.hours": 7}))
    assert profile["ml"]["bst"]["weekdays"] == [2]
    letters = await parked(settings, dead_letter_topic(SendTimeScored.topic), pid, count=3)
    assert {letter["code"] for letter in letters} == {"invalid_message"}


async def test_a_poison_delete_is_dead_lettered_and_the_next_delete_is_done(
    api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    answer = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "leaving@shop.example"}})
    pid = answer.json()["profile"]["profile_id"]
    poison = json.dumps({"database_id": db_id, "profile_id": pid + "\x00"}).encode()
    await upstream.everywhere(DeleteProfile.topic, pid, poison)
    await upstream.send(
        DeleteProfile.topic, pid, DeleteProfile(database_id=db_id, profile_id=pid).model_dump_json().encode()
    )

    await until(lambda: _gone(mongo, db_id, pid))
    letters = await parked(settings, dead_letter_topic(DeleteProfile.topic), pid, count=3)
    assert {letter["code"] for letter in letters} == {"invalid_message"}
    assert {letter["error_type"] for letter in letters} == {"ValidationError"}


async def _gone(mongo: AsyncDatabase, db_id: str, pid: str) -> bool:
    return await mongo[profiles_collection_name(db_id)].find_one({"_id": pid}) is None


async def test_a_poison_job_request_is_dead_lettered_by_every_runner_and_the_next_job_runs(
    api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings
) -> None:
    key = f"poison-job-{uuid.uuid4().hex[:8]}"
    await upstream.everywhere(JobRequested.topic, key, b'{"job_id": "j", "kind": "no_such_kind"}')
    db_id = await create_database(api, [])
    started = await api.post(f"/databases/{db_id}/exports", json={"fields": ["email"]})
    assert started.status_code == 202, started.text

    job = await finished(api, started.json()["id"], timeout=60)
    assert job["status"] == "done", job
    # importer, exporter, history and ml each park it, once per partition
    letters = await parked(settings, dead_letter_topic(JobRequested.topic), key, count=12)
    assert {letter["code"] for letter in letters} == {"invalid_message"}


async def test_a_poison_schema_snapshot_is_dead_lettered_and_the_next_database_is_usable(
    api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    key = f"poison-db-{uuid.uuid4().hex[:8]}"
    await upstream.everywhere(DatabaseChanged.topic, key, b'{"database_id": 42}')
    try:
        db_id = await create_database(api, [])
        answer = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "after@shop.example"}})
        assert answer.status_code == 200, answer.text
        letters = await parked(settings, dead_letter_topic(DatabaseChanged.topic), key, count=3)
        assert {letter["code"] for letter in letters} == {"invalid_message"}
    finally:
        await upstream.everywhere(DatabaseChanged.topic, key, None)  # compaction forgets the poison
