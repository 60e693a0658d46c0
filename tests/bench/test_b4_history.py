"""B4: 500,000 interaction events on the topic until the history service has stored them: events/s; baseline in
the same run: a bare aiokafka consumer doing the same inserts (from its own topic, fed by the same producer)."""

import asyncio
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.mongo import delete_matching, profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from tests.bench.harness import produce, report, stop_groupless, timed
from tests.bench.test_b2_stream import end_offsets
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem

EVENTS = int(os.environ.get("B4_EVENTS", "500000"))
PROFILES = 1000
TYPES = ("send", "deliv", "open", "click")


def messages(db_id: str) -> list[tuple[bytes, bytes]]:
    """(key, value) of every event, built before the clock starts."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(EVENTS):
        pid = f"p{i % PROFILES:04d}"
        event = InteractionRecorded(
            database_id=db_id, profile_id=pid, type=TYPES[i % 4], occurred_at=start + timedelta(seconds=i)
        )
        out.append((pid.encode(), event.model_dump_json().encode()))
    return out


async def until_committed(settings: ServiceSettings, group: str, end: dict[TopicPartition, int]) -> None:
    """Until `group` has committed past `end`: the history service commits a batch only once it is stored."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        while True:
            committed = await admin.list_consumer_group_offsets(group, partitions=list(end))
            if all(tp in committed and committed[tp].offset >= offset for tp, offset in end.items()):
                return
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


async def bare_consumer(settings: ServiceSettings, mongo: AsyncDatabase, topic: str, target_name: str) -> None:
    """The baseline: the same messages, parsed as JSON and inserted 1000 at a time; no checks, no rejections."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers,
                                auto_offset_reset="earliest", enable_auto_commit=False)  # fmt: skip
    target, inserted = mongo[target_name], 0
    await consumer.start()
    try:
        while inserted < EVENTS:
            for records in (await consumer.getmany(timeout_ms=200, max_records=1000)).values():
                docs = []
                for r in records:
                    e = json.loads(r.value)
                    docs.append({"_id": e["event_id"], "database_id": e["database_id"], "profile_id": e["profile_id"],
                                 "type": e["type"], "occurred_at": e["occurred_at"], "payload": "{}"})  # fmt: skip
                await target.insert_many(docs, ordered=False)
                inserted += len(docs)
    finally:
        await stop_groupless(consumer)


async def test_b4_interactions_stored(
    system: RunningSystem, api: httpx.AsyncClient, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    profiles = [
        {"_id": f"p{i:04d}", "email": f"u{i}@bench.example", "has_interactions": False} for i in range(PROFILES)
    ]
    await mongo[profiles_collection_name(db_id)].insert_many(profiles)
    batch = messages(db_id)

    async def stored_by_history() -> None:
        await produce(settings, InteractionRecorded.topic, batch)
        await until_committed(settings, "history-interactions", await end_offsets(settings, InteractionRecorded.topic))

    ours = await timed("history service", EVENTS, stored_by_history)
    stored = await mongo.history.count_documents({"database_id": db_id})
    assert stored == EVENTS, f"the history group committed every offset, yet {stored:,} of {EVENTS:,} are stored"

    topic = f"bench.interactions-{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 6, 1)])
    target = f"baseline_{uuid.uuid4().hex[:8]}"

    async def stored_by_bare_consumer() -> None:
        consumer = asyncio.create_task(bare_consumer(settings, mongo, topic, target))
        await produce(settings, topic, batch)
        await consumer

    try:
        baseline = await timed("bare aiokafka + insert_many", EVENTS, stored_by_bare_consumer)
    finally:
        await admin.delete_topics([topic])
        await admin.close()
        await mongo[target].drop()
    report(ours, baseline, "events")
    await delete_matching(mongo.history, {"database_id": db_id})
