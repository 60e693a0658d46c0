"""The history service's MongoDB adapter: the `history` collection (it is its one writer)."""

from typing import Any

from cachetools import TTLCache
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.bulk_writes import insert_all
from profilehub_shared.mongo import delete_matching, find_all, profiles_collection_name

# Databases and profiles seen to exist are remembered for a minute: a burst of interactions then costs one insert
# per batch instead of three round trips. The price: for up to a minute after a profile is deleted, its late
# interactions are kept rather than rejected (a deleted database is forgotten at once by the replica that drops it).
KNOWN_FOR_SECONDS = 60
KNOWN_MAX = 500_000


class HistoryStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.history = db.history
        self.known: TTLCache[tuple[str, str], bool] = TTLCache(maxsize=KNOWN_MAX, ttl=KNOWN_FOR_SECONDS)

    async def create_indexes(self) -> None:
        await self.history.create_index(
            [("database_id", ASCENDING), ("profile_id", ASCENDING), ("occurred_at", ASCENDING)]
        )
        await self.history.create_index([("database_id", ASCENDING), ("occurred_at", ASCENDING)])

    async def add(self, entries: list[dict[str, Any]]) -> int:
        """Store entries once: an entry whose event id is stored already (a redelivery) is skipped."""
        return await insert_all(self.history, entries)

    async def known_databases(self, ids: set[str]) -> set[str]:
        return await self._known("", self.db.databases, ids)

    async def known_profiles(self, database_id: str, ids: set[str]) -> set[str]:
        return await self._known(database_id, self.db[profiles_collection_name(database_id)], ids)

    async def _known(self, scope: str, collection: Any, ids: set[str]) -> set[str]:
        unsure = sorted(i for i in ids if (scope, i) not in self.known)
        if unsure:
            for d in await find_all(collection, {"_id": {"$in": unsure}}, {"_id": 1}):
                self.known[(scope, d["_id"])] = True
        return {i for i in ids if (scope, i) in self.known}

    async def drop_database(self, database_id: str) -> int:
        self.known.pop(("", database_id), None)
        return await delete_matching(self.history, {"database_id": database_id})
