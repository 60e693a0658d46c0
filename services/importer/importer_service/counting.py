"""Exact profile counts per database, kept by the one writer of profiles under at-least-once delivery.

FerretDB 1.x counts by reading every document (75 s for a million profiles), so each database has a counter in
`profile_counts`: `{_id: database id, count, rev, expected: {<write key>: packed [<profile id>]}, settling:
["-<profile id>"]}`. Without transactions a profile write and a counter update cannot be one atomic step, so each is
made idempotent:

- Before new profiles are inserted, the counter notes them as expected, under a key of the write (not counted
  yet; one key per write, so that FerretDB sets and unsets one value instead of searching arrays). After the
  insert, `settle` counts the expected profiles that are stored and drops their notes, in one update guarded by
  the counter's `rev`: each profile is counted by exactly one such update, whichever writer makes it. A crash
  between the steps leaves notes that the next `settle`, by any replica, finishes. Notes of a writer's own
  profiles that were not inserted (refused by the database) are dropped by that writer once its insert is over.
- A delete notes `-<id>` with the decrement (only for a profile that exists and is not noted yet), deletes, then
  drops the note; a redelivered delete of a deleted profile changes nothing.

No profile is written twice for its count (a flag set on insert and cleared later cost FerretDB an update per
new profile, six times the insert). The count is exact at rest; while a write is between its steps,
`current_count` adds the expected profiles that are stored already.
"""

from collections.abc import Collection, Iterable
from typing import Any

__all__ = ["CounterContended", "ProfileCounter"]

import contextlib
import uuid

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from profilehub_shared.counts import COUNTS_COLLECTION, EXPECTED, REVISION, expected_writes, packed_ids, stored_of
from profilehub_shared.mongo import profiles_collection_name

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
        await self.counter(database_id)

    async def counter(self, database_id: str) -> dict[str, Any]:
        """The counter, started (once, by the replica whose insert wins) from the profiles stored already."""
        doc = await self.counts.find_one({"_id": database_id})
        if doc is not None:
            return doc
        existing = await self.profiles(database_id).count_documents({})
        with contextlib.suppress(DuplicateKeyError):
            await self.counts.insert_one(
                {"_id": database_id, "count": existing, REVISION: 0, EXPECTED: {}, "settling": []}
            )
        return await self.counts.find_one({"_id": database_id}) or {}

    async def expect(self, database_id: str, ids: list[str]) -> str:
        """Note new profiles about to be inserted, under a key of this write; returns it, for `settle`."""
        key = uuid.uuid4().hex
        if ids:
            await self.counter(database_id)
            await self.counts.update_one({"_id": database_id}, {"$set": {f"{EXPECTED}.{key}": packed_ids(ids)}})
        return key

    async def settle(self, database_id: str, own: str = "", stored_own: Collection[str] = ()) -> None:
        """Count the expected profiles that are stored, once each, and drop their notes: those of the caller's
        write (`own`, whose insert is over: `stored_own` are stored, the others were refused) and those other
        writes left (a crash between their steps; or a writer still inserting, whose profiles not stored yet stay
        expected)."""
        for _ in range(ATTEMPTS):
            doc = await self.counter(database_id)
            writes = expected_writes(doc)
            if not writes:
                return
            others = {i for key, ids in writes.items() if key != own for i in ids}
            stored = await stored_of(self.profiles(database_id), others) | set(stored_own)
            left = {key: [] if key == own else [i for i in ids if i not in stored] for key, ids in writes.items()}
            changed_writes = {key: rest for key, rest in left.items() if rest != writes[key]}
            if not changed_writes:
                return
            counted = {i for key in changed_writes for i in writes[key] if i in stored}  # an id noted twice: once
            update: dict[str, Any] = {"$inc": {"count": len(counted), REVISION: 1}}
            if kept := {f"{EXPECTED}.{key}": packed_ids(rest) for key, rest in changed_writes.items() if rest}:
                update["$set"] = kept
            if done := {f"{EXPECTED}.{key}": "" for key, rest in changed_writes.items() if not rest}:
                update["$unset"] = done
            result = await self.counts.update_one({"_id": database_id, REVISION: guard(doc)}, update)
            if result.modified_count == 1:
                return
        raise CounterContended(f"the profile counter of {database_id} kept changing")

    async def note(self, database_id: str, ids: list[str]) -> None:
        """Take the (ids not noted yet) off the count and note them, in one conditional update."""
        marks = minus(ids)
        for _ in range(ATTEMPTS):
            doc = await self.counter(database_id)
            noted = set(doc.get("settling", []))
            await self.drop_stale_notes(database_id, {n for n in noted - set(marks) if n.startswith("-")})
            fresh = [m for m in marks if m not in noted]
            if not fresh:
                return
            changed = await self.counts.update_one(
                {"_id": database_id, "settling": {"$nin": fresh}},
                {"$inc": {"count": -len(fresh)}, "$push": {"settling": {"$each": fresh}}},
            )
            if changed.modified_count == 1:
                return
        raise CounterContended(f"the profile counter of {database_id} kept changing")

    async def drop_stale_notes(self, database_id: str, notes: set[str]) -> None:
        """Delete notes whose profile is gone (the delete is done): read after the counter, so the note of a
        delete still under way is kept."""
        if not notes:
            return
        gone = {n[1:] for n in notes} - await stored_of(self.profiles(database_id), {n[1:] for n in notes})
        if gone:
            await self.counts.update_one({"_id": database_id}, {"$pullAll": {"settling": minus(sorted(gone))}})

    async def before_delete(self, database_id: str, ids: list[str]) -> None:
        """Take the profiles about to be deleted off the count (once each, counting new ones first)."""
        await self.settle(database_id)
        await self.note(database_id, sorted(await stored_of(self.profiles(database_id), set(ids))))

    async def after_delete(self, database_id: str, ids: list[str]) -> None:
        await self.counts.update_one({"_id": database_id}, {"$pullAll": {"settling": minus(ids)}})

    async def forget(self, database_id: str) -> None:
        await self.counts.delete_one({"_id": database_id})


def guard(counter: dict[str, Any]) -> Any:
    """The condition on `rev` that holds while nobody else settled since `counter` was read."""
    return counter.get(REVISION, {"$exists": False})


def minus(ids: Iterable[str]) -> list[str]:
    return ["-" + i for i in ids]
