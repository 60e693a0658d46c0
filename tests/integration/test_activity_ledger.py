"""The activity ledger on the real database: each event id counts once under redelivery, after a crash between the
profile write and the ledger mark, for a sender's duplicate, and with two writers on one profile at once."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from importer_service.activity import ActivityLedger, happened_of
from importer_service.domain.activity import Happened
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.mongo import profiles_collection_name

AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def happened(db_id: str, pid: str, kind: str, minutes: int) -> Happened:
    event = InteractionRecorded(
        database_id=db_id, profile_id=pid, type=kind, occurred_at=AT + timedelta(minutes=minutes)
    )
    found = happened_of(event)
    assert found is not None
    return found


async def activity(mongo: AsyncDatabase, db_id: str, pid: str) -> dict[str, Any]:
    profile = await mongo[profiles_collection_name(db_id)].find_one({"_id": pid})
    assert profile is not None
    return profile.get("activity") or {}  # type: ignore[no-any-return]


async def test_an_event_id_counts_once_however_often_it_comes(mongo: AsyncDatabase) -> None:
    db_id, pid = uuid.uuid4().hex, "p1"
    await mongo[profiles_collection_name(db_id)].insert_one({"_id": pid, "email": "a@x.example"})
    ledger = ActivityLedger(mongo)
    await ledger.create_indexes()
    batch = [happened(db_id, pid, "open", 0), happened(db_id, pid, "open", 5), happened(db_id, pid, "sbounce", 1)]

    assert await ledger.record(db_id, batch) == 3
    assert await ledger.record(db_id, batch) == 0  # the batch redelivered
    assert await ledger.record(db_id, batch[:1]) == 0  # a sender's duplicate later on
    counted = {"open_count": 2, "sbounce_count": 1, "bounce_count": 1}
    assert {k: v for k, v in (await activity(mongo, db_id, pid)).items() if k.endswith("count")} == counted
    assert (await activity(mongo, db_id, pid))["last_open_at"] == AT + timedelta(minutes=5)

    # A crash after the profile write, before the ledger mark: the entries are still pending when the batch
    # comes again, but the profile knows it applied them.
    await mongo.activity_events.update_many({"_id": {"$in": [h.key for h in batch]}}, {"$set": {"applied": False}})
    later = happened(db_id, pid, "open", 10)
    assert await ledger.record(db_id, [*batch, later]) == 4  # all pending; only `later` is new to the profile
    assert (await activity(mongo, db_id, pid))["open_count"] == 3
    assert (await activity(mongo, db_id, pid))["last_open_at"] == AT + timedelta(minutes=10)


async def test_a_crashed_batch_stays_counted_while_other_batches_write_the_profile(mongo: AsyncDatabase) -> None:
    # Found by the soak (kill -9 of the importer): an interaction counted, its ledger mark lost in the crash, then a
    # batch of another partition (or a half of a split batch) writes the same profile before the first comes again.
    db_id, pid = uuid.uuid4().hex, "p1"
    await mongo[profiles_collection_name(db_id)].insert_one({"_id": pid})
    ledger = ActivityLedger(mongo)
    crashed, other = happened(db_id, pid, "click", 0), happened(db_id, pid, "click", 1)
    assert await ledger.record(db_id, [crashed]) == 1
    await mongo.activity_events.update_one({"_id": crashed.key}, {"$set": {"applied": False}})  # the lost mark

    assert await ledger.record(db_id, [other]) == 1
    assert await ledger.record(db_id, [crashed]) == 1  # redelivered: pending in the ledger, known to the profile
    assert (await activity(mongo, db_id, pid))["click_count"] == 2
    assert await ledger.record(db_id, [happened(db_id, pid, "click", 2)]) == 1
    assert (await activity(mongo, db_id, pid))["click_count"] == 3
    marker = (await mongo[profiles_collection_name(db_id)].find_one({"_id": pid}) or {})["activity_applied"]
    assert crashed.key not in marker  # applied in the ledger now: the profile no longer carries it


async def test_two_writers_on_one_profile_lose_nothing(mongo: AsyncDatabase) -> None:
    db_id, pid = uuid.uuid4().hex, "p1"
    await mongo[profiles_collection_name(db_id)].insert_one({"_id": pid})
    first, second = ActivityLedger(mongo), ActivityLedger(mongo)  # two importer replicas during a rebalance
    batches = [[happened(db_id, pid, "click", n * 10 + i) for i in range(5)] for n in range(4)]
    await asyncio.gather(*(w.record(db_id, b) for w, b in zip([first, second] * 2, batches, strict=True)))
    assert (await activity(mongo, db_id, pid))["click_count"] == 20


async def test_unknown_profiles_and_import_interactions_count_nothing(mongo: AsyncDatabase) -> None:
    db_id = uuid.uuid4().hex
    await mongo[profiles_collection_name(db_id)].insert_one({"_id": "known"})
    ledger = ActivityLedger(mongo)
    assert await ledger.record(db_id, [happened(db_id, "ghost", "open", 0)]) == 1
    assert await mongo[profiles_collection_name(db_id)].count_documents({"_id": "ghost"}) == 0
    imported = InteractionRecorded(database_id=db_id, profile_id="known", type="import_open", occurred_at=AT)
    assert happened_of(imported) is None
