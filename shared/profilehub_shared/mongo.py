"""MongoDB access shared by the services (PyMongo's native async client)."""

from collections.abc import AsyncIterator, Sequence
from typing import Any

from bson import ObjectId
from gridfs.errors import CorruptGridFile, NoFile
from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

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


async def document_count(collection: AsyncCollection) -> int:
    """How many documents a whole collection holds, from its statistics: FerretDB 1.x answers `count` and
    `estimated_document_count` by reading every document (75 s for a million profiles), `collStats` at once."""
    try:
        stats = await collection.database.command("collStats", collection.name)
    except OperationFailure:
        return 0  # no such collection yet
    return int(stats.get("count", 0))


DELETE_CHUNK = 10_000


async def delete_matching(collection: AsyncCollection, query: dict[str, Any]) -> int:
    """`delete_many` in chunks of ids: FerretDB 1.x deletes what a query matched with one SQL statement holding
    every id, and fails once there are more than 65,535 of them (a list or a database's history is larger)."""
    deleted = 0
    while True:
        found = collection.find(query, {"_id": 1}, batch_size=DELETE_CHUNK).limit(DELETE_CHUNK)
        ids = [d["_id"] async for d in found]
        if not ids:
            return deleted
        deleted += (await collection.delete_many({"_id": {"$in": ids}})).deleted_count


async def bulk_update(collection: AsyncCollection, updates: Sequence[UpdateOne]) -> tuple[int, int]:
    """Unordered update statements, in commands of at most `UPDATES_PER_COMMAND`; returns (modified, upserted)."""
    modified = upserted = 0
    for start in range(0, len(updates), UPDATES_PER_COMMAND):
        result = await collection.bulk_write(list(updates[start : start + UPDATES_PER_COMMAND]), ordered=False)
        modified += result.modified_count
        upserted += result.upserted_count
    return modified, upserted


# FerretDB does not cap a reply at 16 MiB as MongoDB does: a getMore without a batch size returns every remaining
# chunk of a file at once, which fails past the 48 MB message limit. So files are read a few chunks per reply.
CHUNKS_PER_REPLY = 16


async def stored_file_chunks(db: AsyncDatabase, bucket: str, file_id: ObjectId | str) -> AsyncIterator[bytes]:
    """The bytes of a GridFS file in `bucket`, chunk by chunk (memory stays flat), checked for gaps and length."""
    meta = await db[f"{bucket}.files"].find_one({"_id": file_id})
    if meta is None:
        raise NoFile(f"no file {file_id} in {bucket}")
    expected = size = 0
    chunks = db[f"{bucket}.chunks"].find({"files_id": file_id}, sort=[("n", 1)], batch_size=CHUNKS_PER_REPLY)
    async for chunk in chunks:
        if chunk["n"] != expected:
            raise CorruptGridFile(f"file {file_id} in {bucket}: chunk {expected} is missing")
        expected += 1
        size += len(chunk["data"])
        yield bytes(chunk["data"])
    if size != meta["length"]:
        raise CorruptGridFile(f"file {file_id} in {bucket}: {size} bytes stored of {meta['length']}")
