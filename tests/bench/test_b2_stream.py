"""B2: 200,000 upsert messages through the importer until stored, vs a bare aiokafka consumer doing the
same bulk upserts without validation, in the same run."""

import asyncio
import json
import os
import uuid
from collections.abc import Iterator

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo.asynchronous.database import AsyncDatabase

from importer_service.app import create_app as importer_app
from importer_service.settings import Settings as ImporterSettings
from profilehub_shared.contracts.profiles import UpsertProfile
from profilehub_shared.contracts.schema import AddField, CreateDatabase
from profilehub_shared.counts import current_count
from profilehub_shared.fields import CustomField
from profilehub_shared.kafka import ensure_topics, make_broker, topics_of
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from schema_service.app import create_app as schema_app
from schema_service.settings import Settings as SchemaSettings
from tests.bench.harness import baseline_write_name, is_ferretdb, produce, raw_write, report, stop_groupless, timed
from tests.services import Caller, database_settings, running

MESSAGES = int(os.environ.get("B2_MESSAGES", "200000"))


def record(i: int) -> dict[str, object]:
    return {"email": f"user{i}@bench.example", "first_name": f"Name{i}", "score": i, "plan": ["free", "pro"][i % 2]}


async def end_offsets(settings: ServiceSettings, topic: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    parts = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    assert parts, f"topic {topic} has no partitions: {described}"
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await consumer.start()
    try:
        return await consumer.end_offsets(parts)
    finally:
        await stop_groupless(consumer)


def upserts(db_id: str) -> Iterator[tuple[bytes, bytes]]:
    for i in range(MESSAGES):
        yield f"{db_id}:{i}".encode(), UpsertProfile(database_id=db_id, record=record(i)).model_dump_json().encode()


async def bare_consumer(
    settings: ServiceSettings, mongo: AsyncDatabase, start: dict[TopicPartition, int], end: dict[TopicPartition, int]
) -> None:
    """The baseline: read the same messages, write them in bulk (see `raw_write`), no validation, no events."""
    target = mongo[f"baseline_{uuid.uuid4().hex[:8]}"]
    upserts = not await is_ferretdb(mongo)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False, max_poll_records=1000
    )
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        done = {tp: offset >= end[tp] for tp, offset in start.items()}
        while not all(done.values()):
            batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            for tp, records in batch.items():
                docs = []
                for r in records:
                    if r.offset >= end[tp]:
                        done[tp] = True
                        continue
                    docs.append(json.loads(r.value)["record"])
                    done[tp] = done[tp] or r.offset + 1 >= end[tp]
                if docs:
                    await raw_write(target, docs, upserts=upserts)
    finally:
        await stop_groupless(consumer)
        await target.drop()


async def test_b2_stream_upserts(settings: ServiceSettings, mongo: AsyncDatabase) -> None:
    caller_broker = make_broker(settings, "bench-caller")
    caller = Caller(caller_broker)
    async with running(schema_app(SchemaSettings(**settings.model_dump()))), caller_broker:
        await caller_broker.start()
        created = await caller.ask(CreateDatabase(settings=database_settings(f"bench-{uuid.uuid4().hex[:6]}")))
        assert created.database is not None
        db_id = created.database.id
        for spec in ({"name": "score", "type": "number"}, {"name": "plan", "type": "enum", "options": ["free", "pro"]}):
            await caller.ask(AddField(database_id=db_id, field=CustomField.model_validate(spec)))

        # On a new broker the topic does not exist until the importer starts: made here, as the importer would.
        await ensure_topics(settings.kafka_bootstrap_servers, topics_of([UpsertProfile]))
        start = await end_offsets(settings, UpsertProfile.topic)
        await produce(settings, UpsertProfile.topic, upserts(db_id))
        end = await end_offsets(settings, UpsertProfile.topic)

        profiles = mongo[profiles_collection_name(db_id)]

        async def importer_run() -> None:
            async with running(importer_app(ImporterSettings(**settings.model_dump()))):
                # The importer's counter (stored profiles, exact), not a count: FerretDB counts by reading every
                # document, two seconds each time at 50,000 profiles, which slowed the writes it waited for.
                while (await current_count(mongo, db_id) or 0) < MESSAGES:
                    await asyncio.sleep(0.5)

        ours = await timed("importer stream", MESSAGES, importer_run)
        baseline = await timed(
            f"bare aiokafka + {baseline_write_name(not await is_ferretdb(mongo))}",
            MESSAGES,
            lambda: bare_consumer(settings, mongo, start, end),
        )
    assert await profiles.count_documents({}) == MESSAGES
    report(ours, baseline, "messages")
