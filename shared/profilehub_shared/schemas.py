"""Where a service finds a database's schema when it writes or exports: the schema collection itself.

The Kafka-fed cache can lag a field added a moment ago; a job or a batch that read a stale schema would
treat that field's column as unknown. One read per batch of the small `databases` document is cheap.
"""

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.schema_state import Database


class Schemas:
    """The current schema of a database, read fresh from the schema service's collection."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def get(self, database_id: str) -> Database | None:
        doc = await self.db.databases.find_one({"_id": database_id})
        if doc is None:
            return None
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        doc.pop("name_key", None)
        return Database.model_validate(doc)
