"""Reading a database's profile count, which the importer keeps (see importer_service.counting)."""

import zlib
from typing import Any

import bson
from bson import Binary

from .mongo import find_all, profiles_collection_name

COUNTS_COLLECTION = "profile_counts"
REVISION = "rev"  # bumped by every update that counts expected profiles
EXPECTED = "expected"  # {write key: packed_ids(new profiles noted before their insert, not counted yet)}


def packed_ids(ids: list[str]) -> Binary:
    """Profile ids as one compressed BSON value: FerretDB sets, reads and unsets it as one string, where a list of
    5,000 ids cost it about 25 ms each time (70 ms of every import batch's write)."""
    return Binary(zlib.compress(bson.encode({"ids": ids}), 1))


def unpacked_ids(value: Any) -> list[str]:
    """The ids of a `packed_ids` value, or of a plain list (noted by an earlier version)."""
    if isinstance(value, bytes):
        return list(bson.decode(zlib.decompress(value))["ids"])
    return list(value)


def expected_writes(counter: dict[str, Any]) -> dict[str, list[str]]:
    """The counter's notes: write key → the new profiles it expects, noted before their insert, not counted yet."""
    return {key: unpacked_ids(ids) for key, ids in (counter.get(EXPECTED) or {}).items()}


def expected_of(counter: dict[str, Any]) -> set[str]:
    """The new profiles the counter expects (noted before their insert, not counted yet)."""
    return {i for ids in expected_writes(counter).values() for i in ids}


async def stored_of(profiles: Any, ids: set[str]) -> set[str]:
    """Those of `ids` that are stored profiles."""
    if not ids:
        return set()
    return {d["_id"] for d in await find_all(profiles, {"_id": {"$in": sorted(ids)}}, {"_id": 1})}


async def current_count(db: Any, database_id: str) -> int | None:
    """The database's exact profile count: the counter, plus expected new profiles already stored.

    None when the importer has not started the database's counter yet (a database created a moment ago).
    """
    counter = await db[COUNTS_COLLECTION].find_one({"_id": database_id})
    if counter is None:
        return None
    expected = expected_of(counter)
    return int(counter["count"]) + len(await stored_of(db[profiles_collection_name(database_id)], expected))
