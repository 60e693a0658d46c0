"""At-least-once delivery on the real broker and database: write, redeliver after a crash, dead-letter."""

import asyncio
import base64
import json
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import NewTopic
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ServerSelectionTimeoutError

from profilehub_shared.contracts import HealthProbeRequested, dead_letter_topic
from profilehub_shared.contracts.dead_letter import MessageDeadLettered
from profilehub_shared.delivery import safe_text
from profilehub_shared.kafka import durable, ensure_topics, make_broker
from profilehub_shared.settings import ServiceSettings


async def fresh_topic(settings: ServiceSettings) -> str:
    topic = f"test.probe-{uuid.uuid4().hex[:12]}.v1"
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [NewTopic(topic, 1, 1), NewTopic(dead_letter_topic(topic), 1, 1)],
    )
    return topic


async def record_probe(db: AsyncDatabase, probe: HealthProbeRequested) -> None:
    """An idempotent write keyed by the natural id; the event id is kept once however often it comes."""
    await db.probes.update_one(
        {"_id": probe.probe_id},
        {"$setOnInsert": {"note": probe.note}, "$addToSet": {"event_ids": str(probe.event_id)}},
        upsert=True,
    )


async def wait_for(predicate, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


def broker_writing_probes(
    settings: ServiceSettings,
    topic: str,
    group: str,
    db: AsyncDatabase,
    fail_first: asyncio.Event | None = None,
    calls: list[str] | None = None,
) -> KafkaBroker:
    broker = make_broker(settings, "test")

    @broker.subscriber(topic, **durable(group))
    async def on_probe(probe: HealthProbeRequested) -> None:
        if calls is not None:
            calls.append(probe.probe_id)
        if fail_first is not None and not fail_first.is_set():
            fail_first.set()
            raise RuntimeError("simulated crash before the write")
        await record_probe(db, probe)

    return broker


async def test_published_message_is_written_to_mongo(settings: ServiceSettings, mongo: AsyncDatabase) -> None:
    topic = await fresh_topic(settings)
    probe = HealthProbeRequested(probe_id=uuid.uuid4().hex, note="hello")
    async with broker_writing_probes(settings, topic, "g-" + topic, mongo) as broker:
        await broker.start()
        await broker.publish(probe, topic=topic)
        doc = await wait_for(lambda: mongo.probes.find_one({"_id": probe.probe_id}))
    assert doc["note"] == "hello"
    assert doc["event_ids"] == [str(probe.event_id)]


async def committed_offset(settings: ServiceSettings, topic: str, group: str) -> int | None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()


async def test_failure_then_restart_processes_the_message_once(settings: ServiceSettings, mongo: AsyncDatabase) -> None:
    topic = await fresh_topic(settings)
    group = "g-" + topic
    probe = HealthProbeRequested(probe_id=uuid.uuid4().hex)
    failed, calls = asyncio.Event(), []

    first = broker_writing_probes(settings, topic, group, mongo, fail_first=failed, calls=calls)
    await first.start()
    await first.publish(probe, topic=topic)
    await asyncio.wait_for(failed.wait(), 30)
    await first.stop()  # the consumer dies after the failure, before any retry

    assert await mongo.probes.find_one({"_id": probe.probe_id}) is None
    assert await committed_offset(settings, topic, group) in (None, 0), "offset committed before the write"

    second = broker_writing_probes(settings, topic, group, mongo, calls=calls)
    async with second:
        await second.start()
        doc = await wait_for(lambda: mongo.probes.find_one({"_id": probe.probe_id}))
        await second.publish(probe, topic=topic)  # a duplicate delivery of the same event
        await wait_for(lambda: asyncio.sleep(0, result=len(calls) >= 3))
    doc = await mongo.probes.find_one({"_id": probe.probe_id})
    assert doc["event_ids"] == [str(probe.event_id)]
    assert calls[:2] == [probe.probe_id, probe.probe_id]
    assert await committed_offset(settings, topic, group) == 2


async def read_all(settings: ServiceSettings, topic: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while len(values) < count:
                batch = await consumer.getmany(timeout_ms=500)
                values += [r.value for records in batch.values() for r in records]
    finally:
        await consumer.stop()
    return values


@pytest.mark.parametrize(
    ("poison", "error_type", "reason"),
    [
        (b"{not json", "PoisonMessage", "not valid UTF-8 JSON"),
        (b"\xff\xfe", "PoisonMessage", "not valid UTF-8 JSON"),
        (json.dumps({"probe_id": 5}).encode(), "ValidationError", "probe_id"),
    ],
)
async def test_poison_message_goes_to_dead_letter_topic_and_consumer_goes_on(
    settings: ServiceSettings, mongo: AsyncDatabase, poison: bytes, error_type: str, reason: str
) -> None:
    topic = await fresh_topic(settings)
    good = HealthProbeRequested(probe_id=uuid.uuid4().hex)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic, poison, key=b"upstream-key")
        await producer.send_and_wait(topic, good.model_dump_json().encode())
    finally:
        await producer.stop()

    async with broker_writing_probes(settings, topic, "g-" + topic, mongo) as broker:
        await broker.start()
        await wait_for(lambda: mongo.probes.find_one({"_id": good.probe_id}))

    [raw] = await read_all(settings, dead_letter_topic(topic), 1)
    letter = MessageDeadLettered.model_validate_json(raw)
    assert (letter.original_topic, letter.partition, letter.offset) == (topic, 0, 0)
    assert letter.error_type == error_type
    assert reason in letter.error
    assert letter.value == safe_text(poison)
    assert letter.key == "upstream-key"
    assert letter.consumed is not None and base64.b64decode(letter.consumed.value_base64) == poison
    assert letter.code == "invalid_message"


async def test_handler_that_always_fails_is_dead_lettered_after_max_attempts(
    settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    topic = await fresh_topic(settings)
    calls: list[str] = []
    broker = make_broker(settings, "test")

    @broker.subscriber(topic, **durable("g-" + topic))
    async def always_fails(probe: HealthProbeRequested) -> None:
        calls.append(probe.probe_id)
        raise RuntimeError("downstream never accepts this")

    probe = HealthProbeRequested(probe_id="stuck")
    async with broker:
        await broker.start()
        await broker.publish(probe, topic=topic)
        [raw] = await read_all(settings, dead_letter_topic(topic), 1)
    letter = MessageDeadLettered.model_validate_json(raw)
    assert letter.attempts == settings.max_delivery_attempts == len(calls)
    assert letter.error == "RuntimeError: downstream never accepts this"
    assert letter.code == "unprocessable"


async def test_a_database_that_is_away_longer_than_the_attempts_dead_letters_nothing(
    settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    """Transient failures are retried until they pass: they never count as attempts of the record."""
    topic = await fresh_topic(settings)
    outages = settings.max_delivery_attempts + 3
    calls: list[str] = []
    broker = make_broker(settings, "test")

    @broker.subscriber(topic, **durable("g-" + topic))
    async def database_away_for_a_while(probe: HealthProbeRequested) -> None:
        calls.append(probe.probe_id)
        if len(calls) <= outages:
            raise ServerSelectionTimeoutError("the database is away")
        await record_probe(mongo, probe)

    probe = HealthProbeRequested(probe_id=uuid.uuid4().hex)
    async with broker:
        await broker.start()
        await broker.publish(probe, topic=topic)
        await wait_for(lambda: mongo.probes.find_one({"_id": probe.probe_id}), timeout=60)
    assert len(calls) == outages + 1
    assert await committed_offset(settings, topic, "g-" + topic) == 1
    assert await dead_letters_of(settings, topic) == 0


async def dead_letters_of(settings: ServiceSettings, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        dlq = TopicPartition(dead_letter_topic(topic), 0)
        return (await consumer.end_offsets([dlq]))[dlq]
    finally:
        await consumer.stop()
