"""MongoDB access shared by the services (PyMongo's native async client)."""

from collections.abc import Sequence

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from .settings import ServiceSettings


def open_mongo(settings: ServiceSettings, service: str) -> AsyncMongoClient:
    """A client for the service's lifespan; it connects lazily, so call `ping` to fail fast."""
    return AsyncMongoClient(settings.mongo_url, appname=f"profilehub-{service}", tz_aware=True)


def database(client: AsyncMongoClient, settings: ServiceSettings) -> AsyncDatabase:
    return client[settings.mongo_db]


async def ping(client: AsyncMongoClient) -> bool:
    """True when the server answers a ping."""
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True


def profiles_collection_name(database_id: str) -> str:
    """The collection holding one database's profiles (written by the importer only)."""
    return f"profiles_{database_id}"


# FerretDB 1.x (PostgreSQL back end) holds one pooled connection per update statement until the command ends, so
# a command with more statements than its pool (50) never finishes. Our local stack runs a patched build
# (deploy/local/ferretdb); for a stock one, update commands are kept well under its pool.
UPDATES_PER_COMMAND = 20


async def bulk_update(collection: AsyncCollection, updates: Sequence[UpdateOne]) -> tuple[int, int]:
    """Unordered update statements, in commands of at most `UPDATES_PER_COMMAND`; returns (modified, upserted)."""
    modified = upserted = 0
    for start in range(0, len(updates), UPDATES_PER_COMMAND):
        result = await collection.bulk_write(list(updates[start : start + UPDATES_PER_COMMAND]), ordered=False)
        modified += result.modified_count
        upserted += result.upserted_count
    return modified, upserted
