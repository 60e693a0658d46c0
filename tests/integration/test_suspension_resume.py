"""Suspensions end on their day, once: the importer's scheduled pass on the real database, with a set clock.

The pass keeps no state of its own, so a restart is a new pass; a crash between publishing the change and writing
the profile publishes the same event (same id: history keeps it once) and then writes; two passes at once write once.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from importer_service.repository import ProfileStore
from importer_service.suspensions import resume_ended_suspensions
from profilehub_shared.contracts import Message
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.mongo import profiles_collection_name
from tests.conftest import latin_name

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ENDS = START + timedelta(days=30)


@pytest.fixture
async def store(mongo: AsyncDatabase) -> AsyncIterator[ProfileStore]:
    name = latin_name("resume")
    db = mongo.client[name]
    await db.databases.insert_one(
        {
            "_id": "dbresume",
            "settings": {
                "name": "Resume",
                "subscription_manager": {"title": "News", "language": "en"},
                "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"},
                "resource_ids": ["news"],
            },
            "created_at": START,
            "updated_at": START,
        }
    )
    await db[profiles_collection_name("dbresume")].insert_one(
        {
            "_id": "ann",
            "email": "ann@shop.example",
            "updated_at": START,
            "subscriptions": [
                {"resource_id": "news", "channel": "email", "status": "suspended", "suspended_until": ENDS,
                 "resumes_to": "subscribed", "address": None, "priority": 0},
                {"resource_id": "news", "channel": "sms", "status": "suspended",
                 "suspended_until": ENDS + timedelta(days=30), "resumes_to": "subscribed", "address": None, "priority": 0},
            ],
            "subscription_keys": ["news:email:suspended", "news:sms:suspended"],
        }
    )  # fmt: skip
    yield ProfileStore(db)
    await mongo.client.drop_database(name)


class Published:
    def __init__(self, fail_after: int | None = None) -> None:
        self.events: list[ProfileChanged] = []
        self.fail_after = fail_after

    async def __call__(self, event: Message) -> None:
        assert isinstance(event, ProfileChanged)
        self.events.append(event)
        if self.fail_after is not None and len(self.events) >= self.fail_after:
            raise ConnectionError("the importer died right after publishing")


async def statuses(store: ProfileStore) -> dict[str, Any]:
    [ann] = await store.find("dbresume", {"_id": "ann"})
    return {s["channel"]: (s["status"], s.get("suspended_until")) for s in ann["subscriptions"]}


async def test_a_suspension_ends_on_its_day_exactly_once(store: ProfileStore) -> None:
    published = Published()
    assert await resume_ended_suspensions(store, published, ENDS - timedelta(seconds=1)) == 0
    assert published.events == []

    assert await resume_ended_suspensions(store, published, ENDS) == 1
    now = await statuses(store)
    assert now["email"] == ("subscribed", None)
    assert now["sms"][0] == "suspended"
    [event] = published.events
    assert event.source == "subscription_manager" and event.change == "updated"
    [change] = event.changes
    assert change.field == "subscriptions"

    # Later passes (another importer, or this one after a restart) find nothing more to end today.
    restarted = ProfileStore(store.db)
    assert await resume_ended_suspensions(restarted, published, ENDS + timedelta(hours=1)) == 0
    assert len(published.events) == 1
    [ann] = await store.find("dbresume", {"_id": "ann"})
    assert "news:email:subscribed" in ann["subscription_keys"]


async def test_a_crash_after_publishing_publishes_the_same_event_again_then_writes(store: ProfileStore) -> None:
    crashing = Published(fail_after=1)
    with pytest.raises(ConnectionError):
        await resume_ended_suspensions(store, crashing, ENDS)
    assert (await statuses(store))["email"][0] == "suspended"  # not written yet

    after_restart = Published()
    assert await resume_ended_suspensions(store, after_restart, ENDS + timedelta(minutes=1)) == 1
    assert [e.event_id for e in after_restart.events] == [e.event_id for e in crashing.events]
    assert (await statuses(store))["email"] == ("subscribed", None)


async def test_two_passes_at_once_end_a_suspension_once(store: ProfileStore) -> None:
    published = Published()
    counts = await asyncio.gather(*(resume_ended_suspensions(store, published, ENDS) for _ in range(2)))
    assert sum(counts) == 1
    assert len({e.event_id for e in published.events}) == 1
