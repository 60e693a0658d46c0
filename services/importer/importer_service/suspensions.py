"""Ending suspensions: a scheduled pass puts every subscription whose `suspended_until` has come back.

Once and restart-safe: the pass keeps no state of its own (it reads the profiles), its event for one ending has
a fixed id (so history stores it once however often it is published), it is published before the profile is
written, and the write applies only to the profile as it was read (`updated_at` unchanged), so a crash between
the two, or two importers in one pass, end one suspension once.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from faststream import ContextRepo

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.filters.derived import CHANNELS, SUBSCRIPTION_KEYS, subscription_key
from profilehub_shared.schemas import Schemas

from .change_events import change_event
from .domain import subscriber_actions as actions
from .repository import ONE_REPLY, ProfileStore
from .subscriber_changes import Publish, changed

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
RESUMES = uuid.UUID("5b0c4a52-9a8e-4d39-9d59-2a1a4d1f0c11")


def resume_event_id(database_id: str, profile: dict[str, Any], now: datetime) -> uuid.UUID:
    ending = sorted(
        f"{s['resource_id']}/{s['channel']}/{actions.aware(s['suspended_until']).isoformat()}"
        for s in profile.get("subscriptions", [])
        if actions.due(s, now)
    )
    return uuid.uuid5(RESUMES, f"{database_id}:{profile['_id']}:{'|'.join(ending)}")


async def resume_profile(
    store: ProfileStore, database: Database, profile: dict[str, Any], publish: Publish, now: datetime
) -> bool:
    merged = changed(profile, "subscriptions", actions.resume_due(profile.get("subscriptions", []), now), now)
    if merged.outcome == "unchanged":
        return False
    await publish(
        change_event(database, merged, "subscription_manager", None, resume_event_id(database.id, profile, now))
    )
    new = merged.profile
    result = await store.profiles(database.id).update_one(
        {"_id": profile["_id"], "updated_at": profile.get("updated_at")},
        {
            "$set": {
                "subscriptions": new["subscriptions"],
                "subscription_keys": new["subscription_keys"],
                "updated_at": now,
            }
        },
    )
    return result.modified_count == 1


async def resume_ended_suspensions(store: ProfileStore, publish: Publish, now: datetime) -> int:
    """One pass over every database: suspensions ended by `now` are resumed; returns how many profiles changed."""
    resumed = 0
    async for doc in store.db.databases.find({}, {"_id": 1}, batch_size=ONE_REPLY):
        database = await Schemas(store.db).get(doc["_id"])
        if database is None:
            continue
        keys = suspended_keys(database)
        if not keys:  # no resources: nothing to be subscribed to, nor suspended from
            continue
        # By the flat keys: the database answers `$in` on them without reading every profile (see derived).
        suspended = await store.find(database.id, {SUBSCRIPTION_KEYS: {"$in": keys}})
        for profile in suspended:
            resumed += await resume_profile(store, database, profile, publish, now)
    return resumed


def suspended_keys(database: Database) -> list[str]:
    """The `subscription_keys` a suspended subscription of this database has: one per resource and channel."""
    return [subscription_key(r, c, "suspended") for r in database.settings.resource_ids for c in CHANNELS]


def system_clock() -> datetime:
    return datetime.now(UTC)


async def resume_suspensions_forever(context: ContextRepo) -> None:
    """The importer's worker: a pass every `suspension_check_seconds`, on the clock in the context."""
    store: ProfileStore = context.get("store")
    publish: Publish = context.get("publish_change")
    clock: Clock = context.get("clock", system_clock)
    interval: float = context.get("settings").suspension_check_seconds
    while True:
        try:
            resumed = await resume_ended_suspensions(store, publish, clock())
        except Exception:  # nothing is lost: the next pass finds the same suspensions (MongoDB or Kafka away)
            log.exception("a pass over ended suspensions failed; retrying in %gs", interval)
        else:
            if resumed:
                log.info("resumed the subscriptions of %d profile(s) whose suspension ended", resumed)
        await asyncio.sleep(interval)
