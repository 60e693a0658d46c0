"""MongoDB access shared by the services (PyMongo's native async client)."""

from pymongo import AsyncMongoClient
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
