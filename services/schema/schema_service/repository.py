"""The schema service's MongoDB adapter: databases, resources, suppression lists, promo pools, answers."""

from typing import Any, Protocol

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from profilehub_shared.bulk_writes import bulk_update
from profilehub_shared.contracts.schema import SchemaChangeAnswered
from profilehub_shared.contracts.schema_state import Database, PromoPool, Resource, SuppressionList
from profilehub_shared.mongo import delete_matching, is_duplicate_key, profiles_collection_name

from .errors import Conflict


class SchemaStore(Protocol):
    """What the operations need from storage (a fake in handler tests, MongoDB otherwise)."""

    async def database(self, database_id: str) -> Database | None: ...
    async def save_database(self, db: Database, *, new: bool) -> None: ...
    async def delete_database(self, database_id: str) -> None: ...
    async def profiles_with_value(self, database_id: str, field: str, among: list[str] | None = None) -> int: ...
    async def profiles_with_duplicates(self, database_id: str, field: str) -> int: ...
    async def profiles_with_interactions(self, database_id: str) -> int: ...


def _doc(model: Any) -> dict[str, Any]:
    doc = model.model_dump(mode="json")
    doc["_id"] = doc.pop("id")
    return doc


def _model(cls: Any, doc: dict[str, Any] | None) -> Any:
    if doc is None:
        return None
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc.pop("name_key", None)
    return cls.model_validate(doc)


class MongoSchemaStore:
    """Schema state in MongoDB; unique names are enforced by unique indexes, so two replicas cannot race."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def create_indexes(self) -> None:
        await self.db.databases.create_index([("name_key", ASCENDING)], unique=True)
        for coll in ("resources", "suppression_lists", "promo_pools"):
            await self.db[coll].create_index([("name", ASCENDING)], unique=True)
        await self.db.suppression_entries.create_index(
            [("list_id", ASCENDING), ("kind", ASCENDING), ("value", ASCENDING)], unique=True
        )
        await self.db.promo_codes.create_index([("pool_id", ASCENDING), ("code", ASCENDING)], unique=True)
        await self.db.promo_codes.create_index([("pool_id", ASCENDING), ("state", ASCENDING)])

    # databases
    async def database(self, database_id: str) -> Database | None:
        return _model(Database, await self.db.databases.find_one({"_id": database_id}))

    async def save_database(self, db: Database, *, new: bool) -> None:
        doc = _doc(db) | {"name_key": db.settings.name}
        try:
            if new:
                await self.db.databases.replace_one({"_id": db.id}, doc, upsert=True)
            else:
                await self.db.databases.replace_one({"_id": db.id}, doc)
        except OperationFailure as exc:  # DuplicateKeyError, or FerretDB's form of it on update
            if not is_duplicate_key(exc):
                raise
            raise Conflict(f"a database named {db.settings.name!r} already exists") from exc

    async def delete_database(self, database_id: str) -> None:
        await self.db.databases.delete_one({"_id": database_id})

    async def profiles_with_value(self, database_id: str, field: str, among: list[str] | None = None) -> int:
        """Profiles holding a value of custom field `field` (one of `among`, when given)."""
        coll = self.db[profiles_collection_name(database_id)]
        wanted: dict[str, Any] = {"$exists": True} if among is None else {"$in": among}
        return await coll.count_documents({f"fields.{field}": wanted})

    async def profiles_with_duplicates(self, database_id: str, field: str) -> int:
        """Profiles whose value of `field` another profile holds too ($group with $sum: FerretDB has it)."""
        coll = self.db[profiles_collection_name(database_id)]
        path = f"fields.{field}"
        pipeline: list[dict[str, Any]] = [
            {"$match": {path: {"$exists": True}}},
            {"$group": {"_id": f"${path}", "n": {"$sum": 1}}},
            {"$match": {"n": {"$gt": 1}}},
        ]
        return sum([g["n"] async for g in await coll.aggregate(pipeline)])

    async def profiles_with_interactions(self, database_id: str) -> int:
        coll = self.db[profiles_collection_name(database_id)]
        return await coll.count_documents({"has_interactions": True})

    # account-level objects
    async def insert(self, collection: str, model: Any) -> None:
        try:
            await self.db[collection].insert_one(_doc(model))
        except DuplicateKeyError as exc:
            raise Conflict(f"{collection.replace('_', ' ')[:-1]} named {model.name!r} already exists") from exc

    async def get(self, collection: str, cls: Any, object_id: str) -> Any:
        return _model(cls, await self.db[collection].find_one({"_id": object_id}))

    async def delete(self, collection: str, object_id: str) -> None:
        await self.db[collection].delete_one({"_id": object_id})
        if collection == "suppression_lists":
            await delete_matching(self.db.suppression_entries, {"list_id": object_id})
        if collection == "promo_pools":
            await delete_matching(self.db.promo_codes, {"pool_id": object_id})

    async def databases_using(self, key: str, object_id: str) -> list[str]:
        return [d["name_key"] async for d in self.db.databases.find({key: object_id}, {"name_key": 1})]

    async def add_entries(self, list_id: str, kind: str, values: list[str]) -> tuple[int, int]:
        """Insert entries, ignoring ones already present; returns (added, duplicates)."""
        if not values:
            return 0, 0
        ops = [
            UpdateOne(
                {"list_id": list_id, "kind": kind, "value": v},
                {"$setOnInsert": {"list_id": list_id, "kind": kind, "value": v}},
                upsert=True,
            )
            for v in values
        ]
        # One command after another: a value given twice is upserted twice, the second finding the first.
        added = (await bulk_update(self.db.suppression_entries, ops, at_once=1)).upserted
        return added, len(values) - added

    async def remove_entries(self, list_id: str, kind: str, values: list[str]) -> int:
        if not values:
            return 0
        return await delete_matching(
            self.db.suppression_entries, {"list_id": list_id, "kind": kind, "value": {"$in": values}}
        )

    async def entry_counts(self, list_id: str) -> dict[str, int]:
        return {
            kind: await self.db.suppression_entries.count_documents({"list_id": list_id, "kind": kind})
            for kind in ("email", "phone", "domain")
        }

    async def add_codes(self, pool_id: str, codes: list[str]) -> tuple[int, int]:
        docs = [{"pool_id": pool_id, "code": c, "state": "unused", "profile_id": None} for c in codes]
        if not docs:
            return 0, 0
        # A code removed earlier and uploaded again may be given out again: its removal lock goes.
        locks = [f"code:{pool_id}:{c}" for c in codes]
        await delete_matching(self.db.promo_claims, {"_id": {"$in": locks}, "kind": "removed"})
        try:
            result = await self.db.promo_codes.insert_many(docs, ordered=False)
            added = len(result.inserted_ids)
        except BulkWriteError as exc:
            added = exc.details["nInserted"]
        return added, len(codes) - added

    async def rename(self, collection: str, object_id: str, name: str) -> None:
        try:
            await self.db[collection].update_one({"_id": object_id}, {"$set": {"name": name}})
        except OperationFailure as exc:  # DuplicateKeyError, or FerretDB's form of it on update
            if not is_duplicate_key(exc):
                raise
            raise Conflict(f"{collection.replace('_', ' ')[:-1]} named {name!r} already exists") from exc

    async def remove_unused_codes(self, pool_id: str, codes: list[str] | None) -> tuple[int, int, int]:
        """Remove unused codes (these, or all); returns (removed, kept because assigned, missing).

        A code is first locked in `promo_claims` (the importer's lock, see importer_service.promo) as removed:
        a code a bulk update is taking at this moment keeps its lock and is kept, never given out after removal.
        """
        query: dict[str, Any] = {"pool_id": pool_id}
        query |= {"state": "unused"} if codes is None else {"code": {"$in": codes}}
        found = {d["code"]: d["state"] async for d in self.db.promo_codes.find(query, {"code": 1, "state": 1})}
        unused = [c for c, state in found.items() if state == "unused"]
        locked = []
        for code in unused:
            try:
                await self.db.promo_claims.insert_one({"_id": f"code:{pool_id}:{code}", "kind": "removed"})
                locked.append(code)
            except DuplicateKeyError:
                held = await self.db.promo_claims.find_one({"_id": f"code:{pool_id}:{code}"})
                if held is not None and held.get("kind") == "removed":  # a removal asked again
                    locked.append(code)
        removed = await delete_matching(self.db.promo_codes, {"pool_id": pool_id, "code": {"$in": locked}})
        missing = 0 if codes is None else len(codes) - len(found)
        return removed, len(found) - len(locked), missing

    async def code_counts(self, pool_id: str) -> dict[str, int]:
        return {
            state: await self.db.promo_codes.count_documents({"pool_id": pool_id, "state": state})
            for state in ("unused", "assigned")
        }

    async def set_counts(self, collection: str, object_id: str, counts: dict[str, int]) -> None:
        await self.db[collection].update_one({"_id": object_id}, {"$set": {"counts": counts}})

    # answers, for idempotent redelivery
    async def answer(self, request_id: str) -> SchemaChangeAnswered | None:
        doc = await self.db.schema_answers.find_one({"_id": request_id})
        return None if doc is None else SchemaChangeAnswered.model_validate_json(doc["answer"])

    async def remember_answer(self, answer: SchemaChangeAnswered) -> None:
        await self.db.schema_answers.replace_one(
            {"_id": str(answer.request_id)}, {"answer": answer.model_dump_json()}, upsert=True
        )


__all__ = ["MongoSchemaStore", "PromoPool", "Resource", "SchemaStore", "SuppressionList"]
