"""Claims of unique values on the real database: concurrent writers, stale claims, fields becoming unique."""

import asyncio
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from importer_service.repository import ProfileStore
from importer_service.unique import claim_key
from importer_service.writes import Incoming, write_batch
from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.fields import CustomField
from tests.integration.test_email_migration import database

CODE = CustomField.model_validate({"name": "code", "type": "line", "unique": True})


async def test_concurrent_writers_give_a_unique_value_to_one_profile(mongo: AsyncDatabase) -> None:
    db = database("uniqueconcurrent").model_copy(update={"custom_fields": [CODE]})
    stores = [ProfileStore(mongo) for _ in range(8)]
    await stores[0].prepare(db)
    results = await asyncio.gather(
        *(
            write_batch(s, db, [Incoming(str(n), {"email": f"w{n}@x.example", "code": "ONE"})], WriteOptions(), "copy")
            for n, s in enumerate(stores)
        )
    )
    assert sum(r.counts["created"] for r in results) == 1
    assert sum(r.counts["rejected"] for r in results) == 7
    assert {e.code for r in results for x in r.rejected for e in x.errors} == {"duplicate_unique"}
    assert await stores[0].profiles(db.id).count_documents({"fields.code": "ONE"}) == 1


async def test_a_stale_claim_is_taken_over_and_a_fresh_one_is_not(mongo: AsyncDatabase) -> None:
    db = database("uniquestale").model_copy(update={"custom_fields": [CODE]})
    store = ProfileStore(mongo)
    await store.prepare(db)
    old = datetime.now(UTC) - timedelta(hours=1)
    claims = [
        {"_id": claim_key(db.id, "code", "OLD"), "database_id": db.id, "field": "code", "profile_id": "gone",
         "claimed_at": old},
        {"_id": claim_key(db.id, "code", "NEW"), "database_id": db.id, "field": "code", "profile_id": "inflight",
         "claimed_at": datetime.now(UTC)},
    ]  # fmt: skip
    await mongo.unique_claims.insert_many(claims)
    batch = [
        Incoming("1", {"email": "a@x.example", "code": "OLD"}),
        Incoming("2", {"email": "b@x.example", "code": "NEW"}),
    ]
    result = await write_batch(store, db, batch, WriteOptions(), "import_api")
    assert result.outcomes["1"][0] == "created"
    assert result.outcomes["2"] == ("rejected", None)
    held = await mongo.unique_claims.find_one({"_id": claim_key(db.id, "code", "OLD")})
    assert held is not None and held["profile_id"] == result.outcomes["1"][1]


async def test_a_field_that_becomes_unique_has_its_values_claimed(mongo: AsyncDatabase) -> None:
    plain = database("uniquebuild").model_copy(update={"custom_fields": [CODE.model_copy(update={"unique": False})]})
    store = ProfileStore(mongo)
    await store.prepare(plain)
    await write_batch(store, plain, [Incoming("1", {"email": "a@x.example", "code": "B1"})], WriteOptions(), "copy")
    unique = plain.model_copy(update={"custom_fields": [CODE]})
    await store.prepare(unique)
    assert await mongo.unique_claims.count_documents({"database_id": plain.id, "field": "code"}) == 1
    await store.prepare(plain)  # no longer unique: its claims go
    assert await mongo.unique_claims.count_documents({"database_id": plain.id, "field": "code"}) == 0
