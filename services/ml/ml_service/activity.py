"""What a refresh reads: each profile's sends and opens/clicks of the last 180 days, and its time zone."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.mongo import prefetched, profiles_collection_name

from .bst.model import ProfileActivity

WINDOW = timedelta(days=180)
SENDS = ("send",)  # email: the channel the estimate is for
ENGAGEMENTS = ("open", "uopen", "click", "uclick")
BATCH = 5000


@dataclass
class DatabaseActivity:
    activities: list[ProfileActivity]
    scored_before: set[str]  # profiles that hold an `ml.bst` now
    profiles: int  # profiles in the database
    events: int  # events read


def history_window(database_id: str, now: datetime) -> dict[str, Any]:
    return {
        "database_id": database_id,
        "occurred_at": {"$gte": now - WINDOW, "$lte": now},
        "type": {"$in": [*SENDS, *ENGAGEMENTS]},
    }


async def read_activity(mongo: AsyncDatabase, database_id: str, now: datetime) -> DatabaseActivity:
    """One pass over the window's events, one over the profiles; events of deleted profiles are left out."""
    sends: dict[str, list[datetime]] = defaultdict(list)
    engaged: dict[str, list[datetime]] = defaultdict(list)
    events = 0
    projection = {"profile_id": 1, "type": 1, "occurred_at": 1}
    cursor = mongo.history.find(history_window(database_id, now), projection, batch_size=BATCH)
    async for batch in prefetched(cursor, BATCH):  # the next batch is read while this one is sorted
        for e in batch:
            (sends if e["type"] in SENDS else engaged)[e["profile_id"]].append(e["occurred_at"])
        events += len(batch)
    zones: dict[str, str | None] = {}
    scored_before: set[str] = set()
    profiles = mongo[profiles_collection_name(database_id)]
    async for batch in prefetched(profiles.find({}, {"timezone": 1, "ml": 1}, batch_size=BATCH), BATCH):
        for p in batch:
            zones[p["_id"]] = p.get("timezone")
            if (p.get("ml") or {}).get("bst"):
                scored_before.add(p["_id"])
    active = (set(sends) | set(engaged)) & set(zones)
    activities = [ProfileActivity(pid, sends.get(pid, []), engaged.get(pid, []), zones[pid]) for pid in sorted(active)]
    return DatabaseActivity(activities, scored_before, len(zones), events)
