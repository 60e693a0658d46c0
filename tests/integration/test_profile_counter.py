"""The per-database profile counter stays exact when writes are repeated, interrupted or concurrent (issue 14)."""

import asyncio

from pymongo.asynchronous.database import AsyncDatabase

from importer_service.counting import ProfileCounter
from importer_service.repository import ProfileStore
from profilehub_shared.counts import current_count, expected_writes


def creates(*ids: str) -> list[dict[str, object]]:
    return [
        {"id": i, "create": {"_id": i, "email": f"{i}@x.example", "fields": {}}, "set": [], "unset": []} for i in ids
    ]


async def stored_count(store: ProfileStore, database_id: str) -> int:
    doc = await store.db.profile_counts.find_one({"_id": database_id})
    assert doc is not None
    return int(doc["count"])


async def test_repeated_writes_and_deletes_count_once(mongo: AsyncDatabase) -> None:
    store, db_id = ProfileStore(mongo), "countrepeat"
    await store.counter.prepare(db_id)
    await store.apply(db_id, creates("a", "b", "c"))
    await store.apply(db_id, creates("a", "b", "c"))  # a resumed plan, applied again
    await store.apply(db_id, creates("a", "b", "c", "d"))  # a redelivered batch with one more
    assert await stored_count(store, db_id) == 4
    assert await store.delete(db_id, "a") and not await store.delete(db_id, "a")
    await store.delete_many(db_id, ["b", "b", "zzz"])
    await store.delete_many(db_id, ["b"])
    assert await stored_count(store, db_id) == 2
    assert await current_count(mongo, db_id) == 2 == await store.profiles(db_id).count_documents({})


async def test_a_write_interrupted_between_its_steps_is_counted_once(mongo: AsyncDatabase) -> None:
    store, db_id = ProfileStore(mongo), "countcrash"
    counter = store.counter
    await counter.prepare(db_id)
    # Crash after the counter expected them, before the insert: nothing is stored, nothing counted.
    crashed = await counter.expect(db_id, ["p", "q", "never"])
    assert await current_count(mongo, db_id) == 0
    # Crash after the insert, before `settle`: the API's count already includes them, the counter later.
    await store.profiles(db_id).insert_many([{"_id": "p"}, {"_id": "q"}])
    assert await current_count(mongo, db_id) == 2
    # The batch comes again: its profiles exist now, so it updates them, and its settle counts them once.
    await store.apply(db_id, [{"id": "p", "create": None, "set": [{"path": "email", "value": "p@x.example"}],
                               "unset": []}])  # fmt: skip
    await counter.settle(db_id)
    await asyncio.gather(*(ProfileCounter(mongo).settle(db_id) for _ in range(3)))
    assert await stored_count(store, db_id) == 2 == await current_count(mongo, db_id)
    # The note of a profile whose insert never happened stays (its writer may still insert it) until that writer,
    # its insert over, says so.
    assert expected_writes(await mongo.profile_counts.find_one({"_id": db_id}) or {}) == {crashed: ["never"]}
    await counter.settle(db_id, own=crashed)
    assert (await mongo.profile_counts.find_one({"_id": db_id}) or {})["expected"] == {}
    # Crash after a delete took the profile off the count, before deleting it: the redelivered delete.
    await counter.before_delete(db_id, ["p"])
    assert await store.delete(db_id, "p")
    assert await stored_count(store, db_id) == 1


async def test_a_delete_between_insert_and_settle_counts_the_profile_once_then_takes_it_off(
    mongo: AsyncDatabase,
) -> None:
    store, db_id = ProfileStore(mongo), "countdelete"
    await store.counter.prepare(db_id)
    key = await store.counter.expect(db_id, ["a", "b"])
    await store.profiles(db_id).insert_many([{"_id": "a"}, {"_id": "b"}])  # a writer stopped before its settle
    assert await store.delete(db_id, "a")
    await store.counter.settle(db_id, own=key, stored_own=["a", "b"])  # the writer resumes
    assert await stored_count(store, db_id) == 1 == await current_count(mongo, db_id)


async def test_concurrent_replicas_settle_exactly(mongo: AsyncDatabase) -> None:
    db_id = "countconcurrent"
    stores = [ProfileStore(mongo) for _ in range(4)]
    await stores[0].counter.prepare(db_id)
    batches = [creates(*(f"s{s}-{n}" for n in range(50))) for s in range(4)]
    await asyncio.gather(*(s.apply(db_id, b) for s, b in zip(stores, batches, strict=True)))
    await asyncio.gather(*(ProfileCounter(mongo).settle(db_id) for _ in range(4)))
    assert await stored_count(stores[0], db_id) == 200 == await current_count(mongo, db_id)
