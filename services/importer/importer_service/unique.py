"""Unique custom fields as a guarantee: each value of a `unique` field belongs to one profile at most.

FerretDB 1.x has unique indexes but neither partial nor sparse ones (it accepts `sparse` and ignores it), and a
unique index refuses a write only inside the bulk write, after the batch was planned, counted and its events
built. So the importer, the one writer of profiles, keeps one *claim* per value in `unique_claims`, its own
collection: `_id` = `<database>:<field>:<sha256 of the value>`, the only lock FerretDB and MongoDB both make
atomic (an insert with a unique `_id`).

- A batch reads the claims and the stored holders of the values it brings, decides record by record (a value
  held by another profile rejects the record as `duplicate_unique`), then inserts the claims it takes. One lost
  to a concurrent writer (another importer replica, a job) makes the batch be planned again, and then the record
  is rejected. Claims are taken before the profiles are written, so no two writers can both store a value.
- A profile's previous value is released after its write (`release` in the write), and a deleted profile's
  values with it. Releases are conditional on the holder, so repeating them is harmless.
- A claim whose holder does not hold the value (its write never happened: the record was rejected afterwards,
  the job failed) is stale once older than `STALE_AFTER`, and may then be taken over.
- When a field becomes unique (the schema service refuses that while values are duplicated) the importer
  claims the values profiles hold already (`build`); the stored holders are checked on every write as well,
  so the time before that is covered too.
"""

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import FieldValueError
from profilehub_shared.fields.errors import short_repr
from profilehub_shared.mongo import delete_matching, find_all, only_duplicate_keys, profiles_collection_name

from .domain.merge import Merged, RecordRejected

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)


class UniqueRace(Exception):
    """A concurrent writer took a value this batch meant to claim: plan the batch again."""


RACE_ATTEMPTS = 5  # plans of one batch when concurrent writers keep taking its unique values
Planned = TypeVar("Planned")


async def planned_despite_races(plan: Callable[[], Awaitable[Planned]]) -> Planned:
    """`plan()`, again while a concurrent writer takes a unique value it meant to claim (`RACE_ATTEMPTS` at most)."""
    for _ in range(RACE_ATTEMPTS - 1):
        try:
            return await plan()
        except UniqueRace:
            continue
    return await plan()


def claim_key(database_id: str, name: str, value: Any) -> str:
    """The claim's id: the value's canonical JSON, hashed (values may be long text)."""
    plain = value.isoformat() if isinstance(value, (datetime, date)) else value
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False)
    return f"{database_id}:{name}:{hashlib.sha256(text.encode()).hexdigest()}"


def unique_names(db: Database) -> list[str]:
    return [f.name for f in db.custom_fields if f.unique]


def duplicate(name: str, value: Any) -> RecordRejected:
    return RecordRejected(
        [
            FieldValueError(
                name,
                value,
                "duplicate_unique",
                f"{name}: another profile holds {short_repr(value)} already, and {name} is unique",
            )
        ]
    )


@dataclass
class UniqueGuard:
    """The unique values of one batch: who holds them, and what the batch takes and gives up."""

    database_id: str
    names: list[str]
    holders: dict[str, str] = field(default_factory=dict)  # claim key → profile id
    stale: dict[str, datetime] = field(default_factory=dict)  # claim key → claimed_at, of stale claims
    taken: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (profile id, field), taken here
    takeover: dict[str, datetime] = field(default_factory=dict)  # stale claims this batch takes over

    def check(self, merged: Merged) -> None:
        """Refuse a write giving its profile a value another profile holds; note what it takes and frees."""
        if merged.outcome == "unchanged" or not self.names:
            return
        pid = merged.profile["_id"]
        wanted = []
        for name in self.names:
            old, new = merged.changes.get(f"fields.{name}", (None, None))
            if new is None:
                continue
            key = claim_key(self.database_id, name, new)
            holder = self.holders.get(key)
            if holder is not None and holder != pid and key not in self.stale:
                raise duplicate(name, new)
            wanted.append((key, name))
        for key, name in wanted:
            self.holders[key] = pid
            if key in self.stale:
                self.takeover[key] = self.stale.pop(key)
            self.taken[key] = (pid, name)
        merged.released = [
            claim_key(self.database_id, name, old)
            for name in self.names
            if (old := merged.changes.get(f"fields.{name}", (None, None))[0]) is not None
        ]


class UniqueClaims:
    """The claims of every database's unique values (see the module's docstring)."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.claims = db.unique_claims

    async def create_indexes(self) -> None:
        await self.claims.create_index([("database_id", ASCENDING), ("profile_id", ASCENDING)])
        await self.claims.create_index([("database_id", ASCENDING), ("field", ASCENDING)])

    async def guard(self, db: Database, values: dict[str, list[Any]]) -> UniqueGuard:
        """The holders of these values of unique fields: by claim, and by what profiles hold."""
        names = unique_names(db)
        guard = UniqueGuard(db.id, names)
        wanted = {name: list(values.get(name, [])) for name in names}
        keys = [claim_key(db.id, n, v) for n, vs in wanted.items() for v in vs]
        if not keys:
            return guard
        stored: dict[str, str] = {}
        profiles = self.db[profiles_collection_name(db.id)]
        for name, vs in wanted.items():
            if vs:
                query = {f"fields.{name}": {"$in": vs}}
                for p in await find_all(profiles, query, {f"fields.{name}": 1}):
                    stored[claim_key(db.id, name, p["fields"][name])] = p["_id"]
        now = datetime.now(UTC)
        for claim in await find_all(self.claims, {"_id": {"$in": keys}}):
            key, holder = claim["_id"], claim["profile_id"]
            guard.holders[key] = holder
            if stored.get(key) != holder and claimed_at(claim) < now - STALE_AFTER:
                guard.stale[key] = claimed_at(claim)
        for key, holder in stored.items():
            guard.holders.setdefault(key, holder)
            if key in guard.stale and guard.holders[key] != holder:  # stale claim, but a profile holds it
                guard.holders[key] = holder
                del guard.stale[key]
        return guard

    async def take(self, guard: UniqueGuard) -> None:
        """Insert the batch's claims; UniqueRace when a concurrent writer holds one of them now."""
        for key, at in guard.takeover.items():  # only if nobody renewed it meanwhile
            await self.claims.delete_one({"_id": key, "claimed_at": at})
        docs = [
            {"_id": key, "database_id": guard.database_id, "field": name, "profile_id": pid,
             "claimed_at": datetime.now(UTC)}
            for key, (pid, name) in guard.taken.items()
        ]  # fmt: skip
        lost = await self.insert_claims(docs)
        if lost:
            raise UniqueRace(f"{lost} unique value(s) claimed by another writer meanwhile")

    async def release(self, database_id: str, profile_id: str, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            await self.claims.delete_many({"_id": {"$in": keys}, "profile_id": profile_id})

    async def release_profiles(self, database_id: str, profile_ids: list[str]) -> None:
        """Deleted profiles give up their values."""
        if profile_ids:
            await delete_matching(self.claims, {"database_id": database_id, "profile_id": {"$in": profile_ids}})

    async def build(self, database_id: str, name: str) -> int:
        """Claim the values profiles hold of a field that became unique; returns how many were duplicated."""
        profiles = self.db[profiles_collection_name(database_id)]
        batch: list[dict[str, Any]] = []
        duplicated = 0
        query = {f"fields.{name}": {"$exists": True}}
        async for p in profiles.find(query, {f"fields.{name}": 1}, batch_size=10_000):
            value = p["fields"][name]
            batch.append({"_id": claim_key(database_id, name, value), "database_id": database_id, "field": name,
                          "profile_id": p["_id"], "claimed_at": datetime.now(UTC)})  # fmt: skip
            if len(batch) >= 1000:
                duplicated += await self.insert_claims(batch)
                batch = []
        duplicated += await self.insert_claims(batch)
        if duplicated:
            log.warning("%d value(s) of unique field %s of %s were duplicated already", duplicated, name, database_id)
        return duplicated

    async def insert_claims(self, docs: list[dict[str, Any]]) -> int:
        """Insert claims, keeping those there; returns how many are held by another profile."""
        if not docs:
            return 0
        try:
            await self.claims.insert_many(docs, ordered=False)
            return 0
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if not only_duplicate_keys(exc):
                raise
            lost = [docs[e["index"]] for e in errors]  # there already: held by this profile, or by another
        keys = [d["_id"] for d in lost]
        held = {c["_id"]: c["profile_id"] for c in await find_all(self.claims, {"_id": {"$in": keys}})}
        return sum(held.get(d["_id"]) != d["profile_id"] for d in lost)

    async def forget(self, database_id: str, names: list[str] | None = None) -> None:
        """Drop the claims of fields no longer unique (or removed), or of a whole database."""
        query: dict[str, Any] = {"database_id": database_id}
        if names is not None:
            query["field"] = {"$in": names}
        await delete_matching(self.claims, query)


def claimed_at(claim: dict[str, Any]) -> datetime:
    at: datetime = claim.get("claimed_at") or datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
