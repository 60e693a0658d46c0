"""Emails stored before matching was case-blind still match: the importer lower-cases them once (issue 14)."""

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from importer_service.repository import ProfileStore
from importer_service.writes import Incoming, write_batch
from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.contracts.schema_state import Database, DatabaseSettings


def database(database_id: str) -> Database:
    settings = DatabaseSettings.model_validate(
        {"name": database_id, "subscription_manager": {"title": "News", "language": "en"},
         "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"}}
    )  # fmt: skip
    now = datetime.now(UTC)
    return Database(id=database_id, settings=settings, created_at=now, updated_at=now)


async def test_mixed_case_emails_of_old_data_are_lower_cased_once_and_then_match(mongo: AsyncDatabase) -> None:
    db = database("emailmigration")
    store = ProfileStore(mongo)
    old = [
        {"_id": "old1", "email": "R1@x.example", "fields": {}},
        {"_id": "old2", "email": "s2@x.example", "fields": {}},
    ]
    await store.profiles(db.id).insert_many(old)
    await store.prepare(db)
    assert await store.lower_case_emails(db.id) == 0  # it ran once already, in prepare
    stored = {d["_id"]: d["email"] async for d in store.profiles(db.id).find({})}
    assert stored == {"old1": "r1@x.example", "old2": "s2@x.example"}
    result = await write_batch(store, db, [Incoming("1", {"email": "r1@X.example"})], WriteOptions(), "import_api")
    assert result.outcomes["1"] == ("updated", "old1") or result.outcomes["1"] == ("unchanged", "old1")
    assert await store.profiles(db.id).count_documents({}) == 2
