"""The schema service on the real broker and database: commands in, answers and compacted snapshots out."""

import asyncio
import uuid

from faststream.kafka import KafkaBroker, KafkaRouter
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.schema import AddField, CreateDatabase, DeleteDatabase, UpdateDatabase
from profilehub_shared.fields import CustomField
from profilehub_shared.kafka import make_broker
from profilehub_shared.schema_cache import SchemaCache
from profilehub_shared.settings import ServiceSettings
from schema_service.app import create_app
from schema_service.settings import Settings
from tests.services import Caller, database_settings, running


def cache_following(settings: ServiceSettings) -> tuple[KafkaBroker, SchemaCache]:
    broker = make_broker(settings, "test-cache")
    router = KafkaRouter()
    cache = SchemaCache()
    cache.subscribe(router)
    broker.include_router(router)
    return broker, cache


async def eventually(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.1)


async def test_changes_are_answered_and_snapshots_reach_early_and_late_services(
    settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    schema = create_app(Settings(**settings.model_dump()))
    early_broker, early = cache_following(settings)
    caller_broker = make_broker(settings, "test-caller")
    caller = Caller(caller_broker)
    async with running(schema), early_broker, caller_broker:
        await early_broker.start()
        await caller_broker.start()
        name = f"shop-{uuid.uuid4().hex[:8]}"
        created = await caller.ask(CreateDatabase(settings=database_settings(name)))
        assert created.error is None and created.database is not None
        db_id = created.database.id

        field = CustomField.model_validate({"name": "plan", "type": "enum", "options": ["free", "pro"]})
        changed = await caller.ask(AddField(database_id=db_id, field=field))
        assert changed.database is not None and changed.database.version == 2

        duplicate = await caller.ask(CreateDatabase(settings=database_settings(name)))
        assert duplicate.error is not None and duplicate.error.code == "conflict"

        await eventually(lambda: (d := early.get(db_id)) is not None and d.version == 2)
        late_broker, late = cache_following(settings)  # a service that starts after the changes
        async with late_broker:
            await late_broker.start()
            await eventually(lambda: (d := late.get(db_id)) is not None and d.field("plan") is not None)

        deleted = await caller.ask(DeleteDatabase(database_id=db_id))
        assert deleted.error is None
        await eventually(lambda: early.get(db_id) is None)
    assert await mongo.databases.find_one({"_id": db_id}) is None


async def test_a_redelivered_request_is_answered_again_not_applied_twice(
    settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    schema = create_app(Settings(**settings.model_dump()))
    caller_broker = make_broker(settings, "test-caller")
    caller = Caller(caller_broker)
    async with running(schema), caller_broker:
        await caller_broker.start()
        request_id = uuid.uuid4()
        operation = CreateDatabase(settings=database_settings(f"twice-{uuid.uuid4().hex[:8]}"))
        first = await caller.ask(operation, request_id)
        second = await caller.ask(operation, request_id)
    assert first.error is None and second.error is None
    assert first.database == second.database
    assert await mongo.databases.count_documents({"name_key": operation.settings.name}) == 1


async def test_renaming_a_database_to_a_taken_name_is_a_conflict_not_a_dead_letter(
    settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    """Found by the API fuzzer: FerretDB reports a duplicate key on update without MongoDB's code 11000, so the
    rename failed every delivery, was dead-lettered and the gateway answered 504 after 20 s."""
    schema = create_app(Settings(**settings.model_dump()))
    caller_broker = make_broker(settings, "test-caller")
    caller = Caller(caller_broker)
    taken, mine = f"taken-{uuid.uuid4().hex[:8]}", f"mine-{uuid.uuid4().hex[:8]}"
    async with running(schema), caller_broker:
        await caller_broker.start()
        assert (await caller.ask(CreateDatabase(settings=database_settings(taken)))).error is None
        created = await caller.ask(CreateDatabase(settings=database_settings(mine)))
        assert created.database is not None
        renamed = await caller.ask(UpdateDatabase(database_id=created.database.id, changes={"name": taken}))
    assert renamed.error is not None
    assert (renamed.error.code, renamed.error.message) == ("conflict", f"a database named {taken!r} already exists")
    assert (await mongo.databases.find_one({"_id": created.database.id}))["name_key"] == mine
