"""The history service's MongoDB adapter: the `history` collection (it is its one writer)."""

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from profilehub_shared.mongo import delete_matching, profiles_collection_name

DUPLICATE_KEY = 11000
ONE_REPLY = 100_000


class HistoryStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.history = db.history

    async def create_indexes(self) -> None:
        await self.history.create_index(
            [("database_id", ASCENDING), ("profile_id", ASCENDING), ("occurred_at", ASCENDING)]
        )
        await self.history.create_index([("database_id", ASCENDING), ("occurred_at", ASCENDING)])

    async def add(self, entries: list[dict[str, Any]]) -> int:
        """Store entries once: an entry whose event id is stored already (a redelivery) is skipped."""
        if not entries:
            return 0
        try:
            result = await self.history.insert_many(entries, ordered=False)
            return len(result.inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if exc.details.get("writeConcernErrors") or any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return int(exc.details.get("nInserted", 0))

    async def known_databases(self, ids: set[str]) -> set[str]:
        found = self.db.databases.find({"_id": {"$in": sorted(ids)}}, {"_id": 1}, batch_size=ONE_REPLY)
        return {d["_id"] async for d in found}

    async def known_profiles(self, database_id: str, ids: set[str]) -> set[str]:
        profiles = self.db[profiles_collection_name(database_id)]
        found = profiles.find({"_id": {"$in": sorted(ids)}}, {"_id": 1}, batch_size=ONE_REPLY)
        return {d["_id"] async for d in found}

    async def drop_database(self, database_id: str) -> int:
        return await delete_matching(self.history, {"database_id": database_id})
