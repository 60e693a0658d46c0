"""The importer on the real broker and database: the upsert stream and file import jobs."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from importer_service.app import create_app as importer_app
from importer_service.settings import Settings as ImporterSettings
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import ImportParams, JobProgressed, JobRequested
from profilehub_shared.contracts.ml import BestSendTime, SendTimeScored
from profilehub_shared.contracts.profiles import ProfileChanged, ProfileUpsertRejected, UpsertProfile, WriteOptions
from profilehub_shared.contracts.schema import AddField, CreateDatabase
from profilehub_shared.fields import CustomField
from profilehub_shared.kafka import make_broker
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from schema_service.app import create_app as schema_app
from schema_service.settings import Settings as SchemaSettings
from tests.services import Caller, database_settings, running


class Observed:
    """What the importer published, as a downstream consumer sees it."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.changed: list[ProfileChanged] = []
        self.rejected: list[ProfileUpsertRejected] = []
        self.progress: list[JobProgressed] = []

        @broker.subscriber(ProfileChanged.topic, auto_offset_reset="latest")
        async def on_changed(event: ProfileChanged) -> None:
            self.changed.append(event)

        @broker.subscriber(ProfileUpsertRejected.topic, auto_offset_reset="latest")
        async def on_rejected(event: ProfileUpsertRejected) -> None:
            self.rejected.append(event)

        @broker.subscriber(JobProgressed.topic, auto_offset_reset="latest")
        async def on_progress(event: JobProgressed) -> None:
            self.progress.append(event)


@pytest.fixture(scope="module")
async def system(settings: ServiceSettings) -> AsyncIterator[tuple[Caller, KafkaBroker, Observed]]:
    schema = schema_app(SchemaSettings(**settings.model_dump()))
    importer = importer_app(ImporterSettings(**settings.model_dump(), job_lease_seconds=5, import_batch_rows=50))
    broker = make_broker(settings, "test-upstream")
    caller, observed = Caller(broker), Observed(broker)
    async with running(schema), running(importer), broker:
        await broker.start()
        yield caller, broker, observed


async def new_database(caller: Caller, *fields: dict[str, Any]) -> str:
    answer = await caller.ask(CreateDatabase(settings=database_settings(f"db-{uuid.uuid4().hex[:8]}")))
    assert answer.database is not None, answer.error
    for spec in fields:
        added = await caller.ask(AddField(database_id=answer.database.id, field=CustomField.model_validate(spec)))
        assert added.error is None, added.error
    return answer.database.id


async def until(check: Any, timeout: float = 60.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (value := await check()):
            await asyncio.sleep(0.2)
    return value


async def test_stream_writes_in_order_and_rejects_bad_records_without_stopping(
    system: tuple[Caller, KafkaBroker, Observed], settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    caller, _, observed = system
    db_id = await new_database(caller, {"name": "score", "type": "number"})
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    sent = [
        UpsertProfile(database_id=db_id, record={"email": "a@shop.example", "score": 1}),
        UpsertProfile(database_id=db_id, record={"email": "a@shop.example", "score": 2}),
        b"{poison",
        UpsertProfile(database_id=db_id, record={"email": "b@shop.example", "score": "many"}),
        UpsertProfile(database_id=db_id, record={"email": "c@shop.example"}, options=WriteOptions(mode="update_only")),
        UpsertProfile(database_id=db_id, record={"email": "d@shop.example", "score": 4}),
    ]
    try:
        for message in sent:
            value = message if isinstance(message, bytes) else message.model_dump_json().encode()
            await producer.send_and_wait(UpsertProfile.topic, value, key=f"{db_id}:a".encode())
    finally:
        await producer.stop()
    profiles = mongo[profiles_collection_name(db_id)]
    await until(lambda: profiles.find_one({"email": "d@shop.example"}))
    assert (await profiles.find_one({"email": "a@shop.example"}))["fields"]["score"] == 2
    assert await profiles.count_documents({}) == 2
    await until(lambda: asyncio.sleep(0, len([r for r in observed.rejected if r.database_id == db_id]) >= 2))
    codes = sorted(e.code for r in observed.rejected if r.database_id == db_id for e in r.errors)
    assert codes == ["no_match", "not_an_integer"], codes
    # The poison message names no database: it is refused with an empty one.
    unnamed = [e.code for r in observed.rejected if r.database_id == "" for e in r.errors]
    assert "json_invalid" in unnamed, unnamed
    mine = [e for e in observed.changed if e.database_id == db_id]
    assert [e.change for e in mine if e.changes and e.changes[0].field].count("created") == 2


async def upload(mongo: AsyncDatabase, name: str, content: bytes) -> str:
    bucket = AsyncGridFSBucket(mongo, "uploads")
    return str(await bucket.upload_from_stream(name, content))


async def test_file_import_job_counts_rows_and_reports_rejections(
    system: tuple[Caller, KafkaBroker, Observed], mongo: AsyncDatabase
) -> None:
    caller, broker, observed = system
    db_id = await new_database(caller, {"name": "score", "type": "number"})
    csv_text = (
        "email;first_name;score;colour\n"
        + "".join(f"user{i}@shop.example;Name {i};{i};red\n" for i in range(120))
        + "bad-email;X;1;red\nuser5@shop.example;Again;5;red\nuser7@shop.example;Y;seven;red\n"
    )
    file_id = await upload(mongo, "people.csv", ("\ufeff" + csv_text).encode())
    job = JobRequested(
        job_id=uuid.uuid4().hex,
        kind="import",
        database_id=db_id,
        import_params=ImportParams(file_id=file_id, file_name="people.csv"),
    )
    await broker.publish(job, topic=JobRequested.topic, key=job.job_id.encode())
    state = await until(lambda: mongo.import_checkpoints.find_one({"_id": job.job_id, "status": "done"}))
    assert (state["total"], state["processed"]) == (123, 123)
    # user7's "seven" is left out of its row (per-value rejection): the row still updates the profile.
    assert (state["created"], state["updated"], state["rejected"], state["duplicates"]) == (120, 0, 1, 2)
    assert state["skipped_values"] == 1
    assert "colour" in state["message"]
    report = await AsyncGridFSBucket(mongo, "reports").open_download_stream(
        __import__("bson").ObjectId(state["error_report_file_id"])
    )
    lines = (await report.read()).decode().splitlines()
    assert lines[0] == "row,column,field,value,code,message,member,result"
    assert [line.split(",")[0] for line in lines[1:]] == ["122", "124"]
    assert await mongo[profiles_collection_name(db_id)].count_documents({}) == 120
    assert (await mongo[profiles_collection_name(db_id)].find_one({"email": "user5@shop.example"}))[
        "first_name"
    ] == "Again"
    await until(lambda: asyncio.sleep(0, any(p.job_id == job.job_id and p.status == "done" for p in observed.progress)))


async def run_import_job(
    broker: KafkaBroker, mongo: AsyncDatabase, db_id: str, content: bytes, **params: Any
) -> dict[str, Any]:
    file_id = await upload(mongo, "people.csv", content)
    job = JobRequested(
        job_id=uuid.uuid4().hex,
        kind="import",
        database_id=db_id,
        import_params=ImportParams(file_id=file_id, file_name="people.csv", **params),
    )
    await broker.publish(job, topic=JobRequested.topic, key=job.job_id.encode())
    ended = {"_id": job.job_id, "status": {"$in": ["done", "failed"]}}
    return await until(lambda: mongo.import_checkpoints.find_one(ended))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("params", "code", "says"),
    [
        ({"mapping": {"email": "email", "tier": "plan"}}, "unknown_field", "'tier' → 'plan'"),
        ({"options": WriteOptions(matching="field:nick")}, "invalid_matching", "not declared unique"),
    ],
)
async def test_options_that_cannot_work_fail_the_job_at_once_with_their_reason(
    system: tuple[Caller, KafkaBroker, Observed], mongo: AsyncDatabase, params: dict[str, Any], code: str, says: str
) -> None:
    """The gateway refuses these at upload; a job sent past it (or a field removed since) fails at its first try,
    named, instead of after five retries or by dropping a column silently."""
    caller, broker, _ = system
    db_id = await new_database(caller, {"name": "nick", "type": "line"})
    state = await run_import_job(broker, mongo, db_id, b"email,tier,nick\na@shop.example,pro,x\n", **params)
    assert (state["status"], state["code"]) == ("failed", code), state
    assert says in state["message"]
    assert await mongo.importer_jobs.count_documents({"_id": state["_id"], "failures": {"$gt": 0}}) == 0  # no retry
    assert await mongo[profiles_collection_name(db_id)].count_documents({}) == 0


async def test_interactions_mark_the_profile_and_scores_land_in_ml_bst(
    system: tuple[Caller, KafkaBroker, Observed], mongo: AsyncDatabase
) -> None:
    caller, broker, _ = system
    db_id = await new_database(caller)
    await broker.publish(
        UpsertProfile(database_id=db_id, record={"email": "i@shop.example"}), topic=UpsertProfile.topic, key=b"i"
    )
    profiles = mongo[profiles_collection_name(db_id)]
    profile = await until(lambda: profiles.find_one({"email": "i@shop.example"}))
    assert profile["has_interactions"] is False
    pid = profile["_id"]
    sent = [  # keyed by profile: the unknown database's interaction is handled before the profile is marked
        InteractionRecorded(database_id="no-such-database", profile_id=pid, type="send"),
        InteractionRecorded(database_id=db_id, profile_id=pid, type="send"),
        InteractionRecorded(database_id=db_id, profile_id=pid, type="open"),
        InteractionRecorded(database_id=db_id, profile_id="nobody", type="send"),
        SendTimeScored(
            database_id=db_id, profile_id=pid, bst=BestSendTime(hours=[9, 14], weekdays=[2, 4], confidence=0.4)
        ),
    ]
    for message in sent:
        await broker.publish(message, topic=message.topic, key=message.profile_id.encode())

    async def stored() -> dict[str, Any] | None:
        p = await profiles.find_one({"_id": pid})
        return p if p and p["has_interactions"] and p.get("ml", {}).get("bst") else None

    profile = await until(stored)
    assert profile["ml"]["bst"] == {"hours": [9, 14], "weekdays": [2, 4], "confidence": 0.4, "source": "profile"}
    await broker.publish(
        SendTimeScored(database_id=db_id, profile_id=pid, bst=None), topic=SendTimeScored.topic, key=pid.encode()
    )
    await until(lambda: profiles.find_one({"_id": pid, "ml.bst": {"$exists": False}}))
    assert await profiles.count_documents({}) == 1  # an interaction of an unknown profile creates nothing
    assert profiles_collection_name("no-such-database") not in await mongo.list_collection_names()
