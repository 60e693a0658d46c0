"""Reading a database's profile count, which the importer keeps (see importer_service.counting)."""

from typing import Any

from .mongo import profiles_collection_name

COUNTS_COLLECTION = "profile_counts"
UNCOUNTED = "uncounted"  # set on a new profile until the counter holds it


async def current_count(db: Any, database_id: str) -> int | None:
    """The database's exact profile count: the counter, plus new profiles not counted into it yet.

    None when the importer has not started the database's counter yet (a database created a moment ago).
    """
    counter = await db[COUNTS_COLLECTION].find_one({"_id": database_id})
    if counter is None:
        return None
    noted = {n[1:] for n in counter.get("settling", []) if n.startswith("+")}
    pending = db[profiles_collection_name(database_id)].find({UNCOUNTED: True}, {"_id": 1})
    return int(counter["count"]) + sum([d["_id"] not in noted async for d in pending])
