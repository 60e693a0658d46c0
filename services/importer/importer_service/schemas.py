"""Where the importer finds a database's schema: the local cache fed by Kafka, else the schema collection."""

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.schema_cache import SchemaCache


class Schemas:
    """Cache first; a database created a moment ago may not have reached the cache yet, so ask MongoDB."""

    def __init__(self, cache: SchemaCache, db: AsyncDatabase) -> None:
        self.cache = cache
        self.db = db

    async def get(self, database_id: str) -> Database | None:
        known = self.cache.get(database_id)
        if known is not None:
            return known
        doc = await self.db.databases.find_one({"_id": database_id})
        if doc is None:
            return None
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        doc.pop("name_key", None)
        return Database.model_validate(doc)
