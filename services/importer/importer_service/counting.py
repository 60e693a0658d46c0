"""Exact profile counts per database, kept by the one writer of profiles under at-least-once delivery.

FerretDB 1.x counts by reading every document (75 s for a million profiles), so each database has a counter in
`profile_counts`: `{_id: database id, count, settling: ["+<profile id>" | "-<profile id>"]}`. Without
transactions a profile write and a counter update cannot be one atomic step, so each is made idempotent:

- A new profile is inserted with `uncounted: true` (atomic with the profile itself). `settle` then adds the
  flagged profiles to the counter in one conditional update that also notes them in `settling` (a profile noted
  there is never added twice), clears their flags, and drops the notes. A crash at any step leaves a state the
  next `settle` finishes: flagged and noted → only the flag is cleared; noted and not flagged → the note goes.
- A delete notes `-<id>` with the decrement (only for a profile that exists and is not noted yet), deletes, then
  drops the note; a redelivered delete of a deleted profile changes nothing.

So the count is exact at rest; while a write is between its steps, `current` adds the flagged profiles that are
not in the counter yet.
"""

from typing import Any

__all__ = ["UNCOUNTED", "CounterContended", "ProfileCounter"]

import contextlib

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from profilehub_shared.counts import COUNTS_COLLECTION, UNCOUNTED
from profilehub_shared.mongo import profiles_collection_name

SETTLE_CHUNK = 5_000
ATTEMPTS = 50  # conditional updates lost to a concurrent replica before giving up (then the batch is retried)


class CounterContended(Exception):
    """Concurrent writers kept changing the counter; the write is retried like any failed one."""


class ProfileCounter:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.counts = db[COUNTS_COLLECTION]

    def profiles(self, database_id: str) -> AsyncCollection:
        return self.db[profiles_collection_name(database_id)]

    async def prepare(self, database_id: str) -> None:
        await self.profiles(database_id).create_index([(UNCOUNTED, ASCENDING)])
        await self.counter(database_id)

    async def counter(self, database_id: str) -> dict[str, Any]:
        """The counter, started (once, by the replica whose insert wins) from the profiles stored already."""
        doc = await self.counts.find_one({"_id": database_id})
        if doc is not None:
            return doc
        existing = await self.profiles(database_id).count_documents({UNCOUNTED: {"$ne": True}})
        with contextlib.suppress(DuplicateKeyError):
            await self.counts.insert_one({"_id": database_id, "count": existing, "settling": []})
        return await self.counts.find_one({"_id": database_id}) or {}

    async def settle(self, database_id: str) -> None:
        """Count the new profiles (flagged `uncounted`) into the counter, once each."""
        while True:
            found = self.profiles(database_id).find({UNCOUNTED: True}, {"_id": 1}, batch_size=SETTLE_CHUNK)
            pending = [d["_id"] async for d in found.limit(SETTLE_CHUNK)]
            await self.note(database_id, pending, +1)
            if not pending:
                return
            await self.profiles(database_id).update_many({"_id": {"$in": pending}}, {"$unset": {UNCOUNTED: ""}})
            await self.counts.update_one({"_id": database_id}, {"$pullAll": {"settling": plus(pending)}})
            if len(pending) < SETTLE_CHUNK:
                return

    async def note(self, database_id: str, ids: list[str], sign: int) -> None:
        """Add `sign` × (ids not noted yet) to the count and note them, in one conditional update."""
        marks = [("+" if sign > 0 else "-") + i for i in ids]
        for _ in range(ATTEMPTS):
            doc = await self.counter(database_id)
            noted = set(doc.get("settling", []))
            await self.drop_stale_notes(database_id, noted - set(marks))
            fresh = [m for m in marks if m not in noted]
            if not fresh:
                return
            changed = await self.counts.update_one(
                {"_id": database_id, "settling": {"$nin": fresh}},
                {"$inc": {"count": sign * len(fresh)}, "$push": {"settling": {"$each": fresh}}},
            )
            if changed.modified_count == 1:
                return
        raise CounterContended(f"the profile counter of {database_id} kept changing")

    async def drop_stale_notes(self, database_id: str, notes: set[str]) -> None:
        """Notes whose step is done (a counted profile no longer flagged, a deleted one gone): read after the
        counter, so a note of a write still under way is kept."""
        if not notes:
            return
        ids = [n[1:] for n in notes]
        found = self.profiles(database_id).find({"_id": {"$in": ids}}, {UNCOUNTED: 1}, batch_size=len(ids))
        state = {d["_id"]: bool(d.get(UNCOUNTED)) async for d in found}
        stale = [n for n in notes if (n[0] == "+" and not state.get(n[1:])) or (n[0] == "-" and n[1:] not in state)]
        if stale:
            await self.counts.update_one({"_id": database_id}, {"$pullAll": {"settling": stale}})

    async def before_delete(self, database_id: str, ids: list[str]) -> None:
        """Take the profiles about to be deleted off the count (once each, counting new ones first)."""
        await self.settle(database_id)
        found = self.profiles(database_id).find({"_id": {"$in": ids}}, {"_id": 1}, batch_size=max(len(ids), 1))
        await self.note(database_id, [d["_id"] async for d in found], -1)

    async def after_delete(self, database_id: str, ids: list[str]) -> None:
        await self.counts.update_one({"_id": database_id}, {"$pullAll": {"settling": minus(ids)}})

    async def forget(self, database_id: str) -> None:
        await self.counts.delete_one({"_id": database_id})


def plus(ids: list[str]) -> list[str]:
    return ["+" + i for i in ids]


def minus(ids: list[str]) -> list[str]:
    return ["-" + i for i in ids]
