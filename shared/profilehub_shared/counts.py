"""Reading a database's profile count, which the importer keeps (see importer_service.counting)."""

from typing import Any

from .mongo import ONE_REPLY, profiles_collection_name

COUNTS_COLLECTION = "profile_counts"
REVISION = "rev"  # bumped by every update that counts expected profiles
EXPECTED = "expected"  # {write key: [new profiles noted before their insert, not counted yet]}


def expected_of(counter: dict[str, Any]) -> set[str]:
    """The new profiles the counter expects (noted before their insert, not counted yet)."""
    return {i for ids in (counter.get(EXPECTED) or {}).values() for i in ids}


async def stored_of(profiles: Any, ids: set[str]) -> set[str]:
    """Those of `ids` that are stored profiles."""
    if not ids:
        return set()
    found = profiles.find({"_id": {"$in": sorted(ids)}}, {"_id": 1}, batch_size=ONE_REPLY)
    return {d["_id"] async for d in found}


async def current_count(db: Any, database_id: str) -> int | None:
    """The database's exact profile count: the counter, plus expected new profiles already stored.

    None when the importer has not started the database's counter yet (a database created a moment ago).
    """
    counter = await db[COUNTS_COLLECTION].find_one({"_id": database_id})
    if counter is None:
        return None
    expected = expected_of(counter)
    return int(counter["count"]) + len(await stored_of(db[profiles_collection_name(database_id)], expected))
