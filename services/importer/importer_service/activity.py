"""Counting interactions into profiles' activity, exactly once per event id, through the `activity_events` ledger.

Per batch: the interactions are kept in the ledger by `<database id>:<event id>` (a duplicate is already there),
the ledger's not-yet-applied ones are counted into their profiles (one guarded write per profile: `activity_rev`
makes a concurrent replica's write retry instead of being lost), then marked applied. Applied entries are dropped
after `LEDGER_DAYS`, the window in which a sender's duplicate is still recognised.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from profilehub_shared.bulk_writes import bulk_update
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.filters.activity import families_of
from profilehub_shared.mongo import ONE_REPLY, only_duplicate_keys, profiles_collection_name

from .domain.activity import APPLIED, REVISION, Happened, activity_changes

LEDGER_DAYS = 7
MAX_CONFLICTS = 5
PURGE_EVERY = 100  # batches between purges of old entries (and at the first)


class ActivityConflict(RuntimeError):
    """Another writer kept changing a profile's activity; the batch comes again."""


def happened_of(interaction: InteractionRecorded) -> Happened | None:
    """The ledger entry of an interaction that counts in some family (None for `import_*`)."""
    if not families_of(interaction.type):
        return None
    at = interaction.occurred_at.astimezone(UTC)
    return Happened(
        key=f"{interaction.database_id}:{interaction.event_id}",
        profile_id=interaction.profile_id,
        type=interaction.type,
        at=at.replace(microsecond=at.microsecond // 1000 * 1000),  # as MongoDB keeps it: milliseconds
    )


class ActivityLedger:
    """The importer's `activity_events` collection and the activity it counts into profiles."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.ledger: AsyncCollection = db.activity_events
        self.batches = 0

    async def create_indexes(self) -> None:
        await self.ledger.create_index([("applied_at", ASCENDING)])

    async def record(self, database_id: str, happened: Sequence[Happened]) -> int:
        """Count `happened` (all of one database) into its profiles; returns how many were new."""
        if not happened:
            return 0
        unique = list({h.key: h for h in happened}.values())
        seen = await self._keep(database_id, unique)
        # New entries are pending; of those kept before, the ones a crash left unapplied are pending again.
        pending = [h for h in unique if h.key not in seen]
        if seen:
            found = self.ledger.find({"_id": {"$in": sorted(seen)}, "applied": False}, batch_size=ONE_REPLY)
            pending += [Happened(d["_id"], d["profile_id"], d["type"], d["at"]) async for d in found]
        if pending:
            await self._count(database_id, pending)
            now = datetime.now(UTC)
            await self.ledger.update_many(
                {"_id": {"$in": [p.key for p in pending]}}, {"$set": {"applied": True, "applied_at": now}}
            )
            self.batches += 1
            if self.batches % PURGE_EVERY == 1:
                await self.ledger.delete_many({"applied_at": {"$lt": now - timedelta(days=LEDGER_DAYS)}})
        return len(pending)

    async def _keep(self, database_id: str, happened: list[Happened]) -> set[str]:
        """Insert the ledger entries; returns the keys that were there already."""
        entries = [
            InsertOne(
                {"_id": h.key, "database_id": database_id, "profile_id": h.profile_id, "type": h.type, "at": h.at}
                | {"applied": False}
            )
            for h in happened
        ]
        try:
            await self.ledger.bulk_write(entries, ordered=False)
        except BulkWriteError as exc:  # a duplicate key is an interaction kept before: that is the point
            errors = exc.details.get("writeErrors", [])
            if not only_duplicate_keys(exc):
                raise
            return {happened[e["index"]].key for e in errors}
        return set()

    async def _count(self, database_id: str, pending: list[Happened]) -> None:
        profiles = self.db[profiles_collection_name(database_id)]
        by_profile: dict[str, list[Happened]] = defaultdict(list)
        for h in sorted(pending, key=lambda h: h.key):
            by_profile[h.profile_id].append(h)
        for _ in range(MAX_CONFLICTS):
            found = profiles.find(
                {"_id": {"$in": list(by_profile)}}, {"activity": 1, APPLIED: 1, REVISION: 1}, batch_size=ONE_REPLY
            )
            current = {p["_id"]: p async for p in found}  # an unknown profile gets nothing (history reports it)
            still_open = await self._still_open(current.values())
            changes = {pid: activity_changes(p, by_profile[pid], still_open) for pid, p in current.items()}
            updates = [_guarded(current[pid], change) for pid, change in changes.items()]
            modified = (await bulk_update(profiles, updates)).modified
            if modified == len(updates):  # every guard held: no other writer came between
                return
            left = await self._not_written(profiles, {pid: change[APPLIED] for pid, change in changes.items()})
            if not left:
                return
            by_profile = {pid: by_profile[pid] for pid in left}
        raise ActivityConflict(f"activity of {len(by_profile)} profile(s) of {database_id} kept changing")

    async def _still_open(self, profiles: Iterable[dict[str, Any]]) -> set[str]:
        """Of the ids the profiles' earlier writes applied, those the ledger does not yet mark applied: their batch
        did not finish (a crash, a split) and may come again, so the profiles must keep knowing them."""
        applied = sorted({key for p in profiles for key in p.get(APPLIED) or ()})
        if not applied:
            return set()
        found = self.ledger.find({"_id": {"$in": applied}, "applied": False}, {"_id": 1}, batch_size=ONE_REPLY)
        return {d["_id"] async for d in found}

    @staticmethod
    async def _not_written(profiles: AsyncCollection, wanted: dict[str, list[str]]) -> list[str]:
        """Profiles whose `activity_applied` is not this write's: another writer came between (guard failed)."""
        found = profiles.find({"_id": {"$in": list(wanted)}}, {APPLIED: 1}, batch_size=ONE_REPLY)
        applied = {p["_id"]: p.get(APPLIED) async for p in found}
        return [pid for pid, keys in wanted.items() if pid in applied and applied[pid] != keys]


def _guarded(profile: dict[str, Any], changes: dict[str, Any]) -> UpdateOne:
    revision = profile.get(REVISION)
    guard = {"$exists": False} if revision is None else revision
    return UpdateOne({"_id": profile["_id"], REVISION: guard}, {"$set": changes | {REVISION: (revision or 0) + 1}})
