"""Reading schema state straight from MongoDB (the schema service writes it; the gateway only reads)."""

from typing import Any, TypeVar

from bson import ObjectId
from bson.errors import InvalidId
from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection

from .auth import Principal
from .cursors import CursorSigner
from .errors import ApiError, not_found

M = TypeVar("M", bound=BaseModel)

# collection → (what it holds, for messages; where its group is)
COLLECTIONS = {
    "databases": ("database", "settings.group"),
    "resources": ("resource", "group"),
    "suppression_lists": ("suppression list", "group"),
    "promo_pools": ("promo pool", "group"),
}


def model_of(cls: type[M], doc: dict[str, Any]) -> M:
    """A stored document (`_id` for `id`, plus storage-only keys) as its contract model."""
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc.pop("name_key", None)
    return cls.model_validate(doc)


def group_of(doc: dict[str, Any], path: str) -> str | None:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


async def visible(db: Any, collection: str, cls: type[M], object_id: str, caller: Principal) -> M:
    """The object if it exists and the caller's group sees it; 404 otherwise (other groups' objects look absent)."""
    what, group_path = COLLECTIONS[collection]
    doc = await db[collection].find_one({"_id": object_id})
    if doc is None or not caller.sees(group_of(doc, group_path)):
        raise not_found(what, object_id)
    return model_of(cls, doc)


def object_id_cursor(cursor: str | None) -> ObjectId | None:
    """Cursors of entry/code listings are ObjectIds; anything else is a 422, not a 500."""
    if cursor is None:
        return None
    try:
        return ObjectId(cursor)
    except (InvalidId, TypeError):
        raise ApiError(
            422,
            "invalid",
            "cursor is not one this API returned",
            [
                {
                    "field": "cursor",
                    "value": cursor[:100],
                    "code": "invalid_cursor",
                    "message": "use next_cursor of the previous page",
                }
            ],
        ) from None


async def page(
    coll: AsyncCollection, query: dict[str, Any], limit: int, cursor: Any = None, projection: Any = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page in `_id` order (stable while objects are added) and the cursor of the next, if any."""
    if cursor is not None:
        query = {**query, "_id": {"$gt": cursor}}
    docs = [d async for d in coll.find(query, projection, batch_size=limit + 1).sort("_id", 1).limit(limit + 1)]
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (str(docs[-1]["_id"]) if more else None)


async def listing(
    db: Any, collection: str, cls: type[M], caller: Principal, group: str | None, limit: int, cursor: str | None,
    cursors: CursorSigner,
) -> tuple[list[M], str | None]:  # fmt: skip
    """A page of account-level objects the caller sees, optionally of one group."""
    position = cursors.read(collection, cursor)
    if group is not None and not caller.sees(group):
        return [], None
    query = caller.scope("group") | ({"group": group} if group is not None else {})
    docs, last = await page(db[collection], query, limit, position)
    return [model_of(cls, d) for d in docs], cursors.sign(collection, last)
