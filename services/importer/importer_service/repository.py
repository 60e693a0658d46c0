"""The importer's MongoDB adapter: it is the one writer of the `profiles_<database_id>` collections."""

from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.bulk_writes import bulk_update, insert_all
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.counts import stored_of
from profilehub_shared.mongo import ONE_REPLY, find_all, profiles_collection_name

from .counting import ProfileCounter
from .domain.merge import Merged
from .domain.suppression import NOTHING_LISTED, Listed
from .unique import UniqueClaims, UniqueGuard, unique_names
from .written_events import LAST_WRITE


class ProfileStore:
    """Profiles of every database, one collection per database."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.unique = UniqueClaims(db)
        self.counter = ProfileCounter(db)

    def profiles(self, database_id: str) -> AsyncCollection:
        return self.db[profiles_collection_name(database_id)]

    async def prepare(self, database: Database) -> None:
        """Index every matching key, claim the values of fields that became unique, forget those that stopped.

        The indexes are not unique: FerretDB has neither partial nor sparse indexes, and profiles may lack a key;
        unique fields are guaranteed by claims instead (see `unique`).
        """
        coll = self.profiles(database.id)
        await coll.create_index([("email", ASCENDING)])
        await coll.create_index([("phones", ASCENDING)])
        await coll.create_index([("has_interactions", ASCENDING)])
        for field in database.custom_fields:
            if field.unique:
                await coll.create_index([(f"fields.{field.name}", ASCENDING)])
        await self.lower_case_emails(database.id)
        await self.claim_unique_fields(database)
        await self.counter.prepare(database.id)

    async def claim_unique_fields(self, database: Database) -> None:
        """Claims follow the fields declared unique: built once when one becomes unique, dropped when not."""
        marker = f"{database.id}:unique_fields"
        done = await self.db.profile_migrations.find_one({"_id": marker}) or {}
        built, wanted = set(done.get("fields", [])), set(unique_names(database))
        if built == wanted:
            return
        for name in sorted(wanted - built):
            await self.unique.build(database.id, name)
        if built - wanted:
            await self.unique.forget(database.id, sorted(built - wanted))
        await self.db.profile_migrations.replace_one({"_id": marker}, {"fields": sorted(wanted)}, upsert=True)

    async def unique_guard(self, db: Database, values: dict[str, list[Any]]) -> UniqueGuard:
        return await self.unique.guard(db, values)

    async def take_unique(self, guard: UniqueGuard) -> None:
        await self.unique.take(guard)

    async def lower_case_emails(self, database_id: str) -> int:
        """Once per database: lower-case emails stored before addresses were matched case-blind.

        New writes store addresses lower-cased, so this runs once (a marker in `profile_migrations` says it ran).
        Two stored profiles that differ only by case become one address on two profiles: a record matching it is
        then refused as `ambiguous_match`, never merged into the wrong one. No ProfileChanged is sent: the address
        is the same one, only its spelling is.
        """
        marker = f"{database_id}:email_lower_case"
        if await self.db.profile_migrations.find_one({"_id": marker}) is not None:
            return 0
        mixed = self.profiles(database_id).find({"email": {"$regex": "[A-Z]"}}, {"email": 1}, batch_size=ONE_REPLY)
        updates = [UpdateOne({"_id": d["_id"]}, {"$set": {"email": d["email"].lower()}}) async for d in mixed]
        await bulk_update(self.profiles(database_id), updates)
        await self.db.profile_migrations.replace_one({"_id": marker}, {"done": True}, upsert=True)
        return len(updates)

    async def delete(self, database_id: str, profile_id: str) -> bool:
        """Delete one profile; False when it did not exist (a redelivered delete changes nothing)."""
        await self.counter.before_delete(database_id, [profile_id])
        result = await self.profiles(database_id).delete_one({"_id": profile_id})
        await self.counter.after_delete(database_id, [profile_id])
        await self.unique.release_profiles(database_id, [profile_id])
        return result.deleted_count == 1

    async def delete_many(self, database_id: str, profile_ids: list[str]) -> None:
        """Delete these profiles (bulk delete), and their claims of unique values."""
        await self.counter.before_delete(database_id, profile_ids)
        await self.profiles(database_id).delete_many({"_id": {"$in": profile_ids}})
        await self.counter.after_delete(database_id, profile_ids)
        await self.unique.release_profiles(database_id, profile_ids)

    async def mark_interacted(self, database_id: str, profile_ids: list[str]) -> int:
        """Set `has_interactions` on these profiles, once: returns how many were not marked yet."""
        result = await self.profiles(database_id).update_many(
            {"_id": {"$in": profile_ids}, "has_interactions": {"$ne": True}}, {"$set": {"has_interactions": True}}
        )
        return result.modified_count

    async def set_best_send_times(self, database_id: str, scores: dict[str, dict[str, Any] | None]) -> int:
        """Write (or, with None, clear) profiles' `ml.bst`; returns how many of them exist."""
        updates = [
            UpdateOne({"_id": pid}, {"$set": {"ml.bst": bst}} if bst is not None else {"$unset": {"ml.bst": ""}})
            for pid, bst in scores.items()
        ]
        # The commands' matched counts, not a second query for the ids (0.2 s per 1,000 ids on FerretDB here).
        return (await bulk_update(self.profiles(database_id), updates)).matched

    async def drop_database(self, database_id: str) -> None:
        await self.profiles(database_id).drop()
        await self.counter.forget(database_id)
        await self.unique.forget(database_id)
        await self.db.profile_migrations.delete_one({"_id": f"{database_id}:unique_fields"})

    async def drop_fields(self, database_id: str, names: list[str]) -> None:
        """Remove a deleted custom field's values from every profile."""
        unset = {f"fields.{name}": "" for name in names}
        await self.profiles(database_id).update_many({}, {"$unset": unset})

    async def find(self, database_id: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        return await find_all(self.profiles(database_id), query)

    async def listed(self, list_id: str, values: list[str]) -> Listed:
        """The entries of suppression list `list_id` among `values` (emails, domains, phones)."""
        if not values:
            return NOTHING_LISTED
        query = {"list_id": list_id, "value": {"$in": values}}
        return Listed.of(await find_all(self.db.suppression_entries, query))

    async def save(self, database_id: str, merged: list[Merged]) -> None:
        await self.apply(database_id, writes_of(merged))

    async def apply(self, database_id: str, writes: list[dict[str, Any]], *, fresh: bool = False) -> None:
        """One unordered bulk write: new profiles inserted, updates as $set/$unset of what changed.

        Re-applying the same writes gives the same profiles, which is what makes resumed jobs exact. Profiles a
        write would create that are stored already (a stored plan applied again, a redelivered message) are left
        out first: they were created and noted for the count before, and FerretDB turns thousands of
        duplicate-key inserts into one slow transaction each. `fresh`: the writes were planned just now and never
        applied (an import batch's plan made by this turn; its new profiles' ids are its job's and rows'), so
        none of its new profiles can be stored and nobody looks.
        """
        created = {w["id"] for w in writes if w["create"] is not None}
        existing = set() if fresh else await stored_of(self.profiles(database_id), created)
        inserts: list[Any] = []
        updates: list[UpdateOne] = []
        for w in writes:
            if w["id"] in existing:
                continue
            if w["create"] is not None:
                inserts.append(w["create"])
            else:
                update: dict[str, Any] = {"$set": {s["path"]: s["value"] for s in w["set"]}}
                if w["unset"]:
                    update["$unset"] = {path: "" for path in w["unset"]}
                updates.append(UpdateOne({"_id": w["id"]}, update))
        new = [w["id"] for w in writes if w["create"] is not None and w["id"] not in existing]
        key = await self.counter.expect(database_id, new)  # counted by `settle` once stored
        await self.insert_new(database_id, inserts)  # all stored once it returns (a duplicate id was, before)
        await bulk_update(self.profiles(database_id), updates)
        if writes:  # a write before a crash (this one, redelivered, or another) may have inserted and not counted
            await self.counter.settle(database_id, own=key, stored_own=new)
        for w in writes:  # values given up, now that the profile holds its new ones
            await self.unique.release(database_id, w["id"], w.get("release", []))

    async def insert_new(self, database_id: str, profiles: list[Any]) -> None:
        # A new profile's id derives from its job row or message, so a duplicate id on insert means this very
        # write was applied before a crash: that is done, not an error (see insert_all). Anything else is.
        await insert_all(self.profiles(database_id), profiles)


def writes_of(merged: list[Merged]) -> list[dict[str, Any]]:
    """Writes as plain BSON-safe documents (no dotted keys), so a job can store its plan before applying it.

    A new profile is encoded here, once: storing the plan and inserting the profile copy its BSON (it was encoded
    twice, 3 µs a row of the B1 file)."""
    writes = []
    for m in merged:
        if m.outcome == "created":
            created = RawBSONDocument(bson.encode(m.profile))
            writes.append({"id": m.profile["_id"], "create": created, "set": [], "unset": []})
        elif m.outcome == "updated":
            sets = [{"path": p, "value": new} for p, (_, new) in m.changes.items() if new is not None]
            sets.append({"path": "updated_at", "value": m.profile["updated_at"]})
            if "subscriptions" in m.changes:
                sets.append({"path": "subscription_keys", "value": m.profile["subscription_keys"]})
            if "last_job_id" in m.profile:
                sets.append({"path": "last_job_id", "value": m.profile["last_job_id"]})
            if m.remembered:
                sets.append({"path": LAST_WRITE, "value": m.profile[LAST_WRITE]})
            unset = [p for p, (_, new) in m.changes.items() if new is None]
            writes.append({"id": m.profile["_id"], "create": None, "set": sets, "unset": unset,
                           "release": m.released})  # fmt: skip
    return writes
