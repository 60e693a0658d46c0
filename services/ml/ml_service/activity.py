"""What a refresh reads: the last 180 days of sends, opens and clicks as one event table, and every profile's zone.

The events are read once, straight into the columns the scorer works on (profile row, UTC second, kind): sends and
engagements by two cursors side by side (the database decodes documents on more than one core that way; the
table is sorted after), and the profiles (zones, whether they hold a score) at the same time, so the refresh costs
less than one pass over the events with a single cursor."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.mongo import prefetched, profiles_collection_name

from .bst.events import CLICK, OPEN, SEND, EventTable, epoch_seconds

WINDOW = timedelta(days=180)
KINDS = {"send": SEND, "open": OPEN, "uopen": OPEN, "click": CLICK, "uclick": CLICK}  # email: what it is for
BATCH = 5000


@dataclass
class DatabaseActivity:
    profile_ids: list[str]  # every profile of the database, sorted: the rows of `events`
    zones: list[str | None]  # each profile's `timezone`
    events: EventTable  # the window's events of those profiles
    scored_before: set[str]  # profiles that hold an `ml.bst` now
    read: int  # events read (those of deleted profiles included)

    @property
    def profiles(self) -> int:
        return len(self.profile_ids)


@dataclass
class EventColumns:
    profile_ids: list[str]
    epochs: list[int]
    kinds: list[int]


SIDES = (["send"], [k for k in KINDS if k != "send"])  # what each cursor reads: sends, and opens and clicks


def history_window(database_id: str, now: datetime, kinds: list[str]) -> dict[str, Any]:
    return {
        "database_id": database_id,
        "occurred_at": {"$gte": now - WINDOW, "$lte": now},
        "type": {"$in": kinds},
    }


async def read_activity(mongo: AsyncDatabase, database_id: str, now: datetime) -> DatabaseActivity:
    """One pass over the window's events (two cursors) and one over the profiles, side by side; deleted profiles'
    events dropped."""
    columns = EventColumns([], [], [])
    profiles = asyncio.ensure_future(read_profiles(mongo, database_id))
    await asyncio.gather(*(read_events(mongo, database_id, now, kinds, columns) for kinds in SIDES), profiles)
    zones, scored_before = profiles.result()
    return await asyncio.to_thread(as_activity, columns, zones, scored_before)  # seconds of CPU: not on the loop


def as_activity(columns: "EventColumns", zones: dict[str, str | None], scored_before: set[str]) -> DatabaseActivity:
    """The events as one table whose rows are the database's profiles, sorted; deleted profiles' events dropped."""
    profile_ids = sorted(zones)
    row_of = {pid: i for i, pid in enumerate(profile_ids)}
    rows = np.fromiter((row_of.get(pid, -1) for pid in columns.profile_ids), np.int64, len(columns.profile_ids))
    known = rows >= 0
    row, epoch = rows[known], np.asarray(columns.epochs, np.int64)[known]
    kind = np.asarray(columns.kinds, np.int8)[known]
    order = np.lexsort((kind, epoch, row))
    table = EventTable(row[order], epoch[order], kind[order], len(profile_ids))
    return DatabaseActivity(profile_ids, [zones[p] for p in profile_ids], table, scored_before, len(columns.kinds))


async def read_events(
    mongo: AsyncDatabase, database_id: str, now: datetime, kinds: list[str], columns: EventColumns
) -> None:
    """The window's events of these kinds, appended to `columns` (in any order: the table is sorted after)."""
    projection = {"_id": 0, "profile_id": 1, "type": 1, "occurred_at": 1}
    cursor = mongo.history.find(history_window(database_id, now, kinds), projection, batch_size=BATCH)
    async for batch in prefetched(cursor, BATCH):  # the next batch is read while this one is taken apart
        # No await between the three: the other cursor's batches never come between them, so rows stay aligned.
        columns.profile_ids += [e["profile_id"] for e in batch]
        columns.epochs += epoch_seconds([e["occurred_at"] for e in batch])
        columns.kinds += [KINDS[e["type"]] for e in batch]


async def read_profiles(mongo: AsyncDatabase, database_id: str) -> tuple[dict[str, str | None], set[str]]:
    zones: dict[str, str | None] = {}
    scored_before: set[str] = set()
    profiles = mongo[profiles_collection_name(database_id)]
    async for batch in prefetched(profiles.find({}, {"timezone": 1, "ml.bst.source": 1}, batch_size=BATCH), BATCH):
        for p in batch:
            zones[p["_id"]] = p.get("timezone")
            if (p.get("ml") or {}).get("bst") is not None:
                scored_before.add(p["_id"])
    return zones, scored_before
