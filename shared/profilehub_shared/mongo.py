"""MongoDB access shared by the services (PyMongo's native async client)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import bson
from bson import ObjectId
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure

from .settings import ServiceSettings


def open_mongo(settings: ServiceSettings, service: str) -> AsyncMongoClient:
    """A client for the service's lifespan; it connects lazily, so call `ping` to fail fast.

    Every write waits for `MONGO_WRITE_CONCERN` (majority) and the journal (`MONGO_JOURNAL`), so that a write
    acknowledged to a consumer, which then commits its Kafka offset, survives a crash of the database.
    """
    w = settings.mongo_write_concern
    return AsyncMongoClient(
        settings.mongo_url,
        appname=f"profilehub-{service}",
        tz_aware=True,
        w=int(w) if w.isdigit() else w,
        journal=settings.mongo_journal,
    )


def database(client: AsyncMongoClient, settings: ServiceSettings) -> AsyncDatabase:
    return client[settings.mongo_db]


async def ping(client: AsyncMongoClient) -> bool:
    """True when the server answers a ping."""
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True


def is_duplicate_key(exc: OperationFailure) -> bool:
    """A unique index refused the write. MongoDB says so with code 11000 (pymongo's DuplicateKeyError); FerretDB
    1.x does too on insert, but on update it answers code 1 with PostgreSQL's unique-violation text (23505)."""
    return exc.code == 11000 or "SQLSTATE 23505" in str(exc) or "duplicate key value" in str(exc)


DUPLICATE_KEY = 11000


def only_duplicate_keys(exc: BulkWriteError) -> bool:
    """An unordered bulk write failed only on ids stored already (a redelivery, a write again after a crash): what
    idempotent writes treat as done. Any other write error, or a write-concern error, is a real failure."""
    errors = exc.details.get("writeErrors", [])
    return not exc.details.get("writeConcernErrors") and all(e.get("code") == DUPLICATE_KEY for e in errors)


def profiles_collection_name(database_id: str) -> str:
    """The collection holding one database's profiles (written by the importer only)."""
    return f"profiles_{database_id}"


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
    """`delete_many` in chunks: FerretDB 1.x deletes what a query matched with one SQL statement holding every
    id, and fails once there are more than 65,535 of them (a list or a database's history is larger).

    A chunk is the next `DELETE_CHUNK` matching ids in order, deleted as the range from its first to its last id:
    FerretDB 1.x tests `$in` against each document one listed id at a time, so deleting by the ids themselves
    took time in documents × ids (70,000 documents: 48 s; by ranges 8 s). Ids of mixed or unordered kinds, or a
    range that deletes nothing (a database ordering them otherwise than it compares them), go by their list."""
    deleted = 0
    while True:
        found = collection.find(query, {"_id": 1}, batch_size=DELETE_CHUNK).sort("_id", ASCENDING)
        ids = [d["_id"] async for d in found.limit(DELETE_CHUNK)]
        if not ids:
            return deleted
        first, last = ids[0], ids[-1]
        by_range = 0
        if type(first) is type(last) and type(first) in RANGED_IDS:
            ranged = {"$and": [query, {"_id": {"$gte": first, "$lte": last}}]}
            by_range = (await collection.delete_many(ranged)).deleted_count
        deleted += by_range or (await collection.delete_many({"_id": {"$in": ids}})).deleted_count


RANGED_IDS = frozenset({int, str, ObjectId})  # ids whose range holds only their own kind, in their order


async def prefetched(cursor: Any, size: int) -> AsyncIterator[list[dict[str, Any]]]:
    """The cursor's documents in lists of `size`, the next list asked for while the caller works on this one:
    the database and the caller then work at the same time instead of taking turns."""
    ahead = asyncio.ensure_future(cursor.to_list(size))
    try:
        while batch := await ahead:
            ahead = asyncio.ensure_future(cursor.to_list(size))
            yield batch
    finally:  # stopped early (cancelled, or the caller stopped reading): the read ahead is not wanted
        ahead.cancel()
        ahead.add_done_callback(lambda f: f.cancelled() or f.exception())


# Bounded reads ask for everything in the first reply, so no server cursor outlives them: FerretDB 1.x keeps
# the cursor of a client that died mid-read (kill -9) open, and later schema changes then wait on it forever.
ONE_REPLY = 100_000


# A long `$in` list is asked in pieces of this many values at once: FerretDB 1.x checks each document it found
# against the list one value at a time, so one query's time grows as found × listed (5,000 emails, all stored:
# 1.16 s as one query, 0.28 s as ten of 500).
IN_PIECE = 500
PIECES_AT_ONCE = 8  # however long the list, a few of the client's connections


def in_pieces(query: dict[str, Any], piece: int = IN_PIECE) -> list[dict[str, Any]]:
    """`query` as queries whose `$in` lists hold at most `piece` values, together matching what it matches: its
    longest top-level `{"$in": list}` condition (alone in its operator document) cut in pieces, the rest kept."""
    long = [
        (len(c["$in"]), path)
        for path, c in query.items()
        if isinstance(c, dict) and c.keys() == {"$in"} and isinstance(c["$in"], list) and len(c["$in"]) > piece
    ]
    if not long:
        return [query]
    path = max(long)[1]
    values = query[path]["$in"]
    return [query | {path: {"$in": values[at : at + piece]}} for at in range(0, len(values), piece)]


async def find_all(
    collection: AsyncCollection, query: dict[str, Any], projection: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every document matching `query`, each read in one reply; a long `$in` list asked in pieces side by side
    (see `IN_PIECE`, at most `PIECES_AT_ONCE` at a time), a document found by two pieces given once."""
    queries = in_pieces(query)
    if len(queries) == 1:
        return await collection.find(query, projection, batch_size=ONE_REPLY).to_list()
    if projection is not None and not projection.get("_id", 1):
        raise ValueError("find_all gives a document found twice once, by its _id: keep _id in the projection")
    at_once = asyncio.Semaphore(PIECES_AT_ONCE)

    async def piece(q: dict[str, Any]) -> list[dict[str, Any]]:
        async with at_once:
            return await collection.find(q, projection, batch_size=ONE_REPLY).to_list()

    parts = await asyncio.gather(*(piece(q) for q in queries))
    found: dict[Any, dict[str, Any]] = {}
    for doc in (d for part in parts for d in part):
        found.setdefault(id_key(doc["_id"]), doc)
    return list(found.values())


def id_key(value: Any) -> Any:
    """An `_id` as a key of a dict: itself, or its BSON when it is a document or a list (not hashable)."""
    return bson.encode({"_id": value}) if isinstance(value, dict | list) else value
