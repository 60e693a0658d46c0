"""Profiles of a database: read and list (quick search, structured filter), upsert and delete one."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError
from pymongo.errors import ExecutionTimeout

from profilehub_shared.contracts.profiles import RejectedField, WriteOptions
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.counts import current_count
from profilehub_shared.filters import Filter, FilterError, to_query
from profilehub_shared.mongo import profiles_collection_name

from ..auth import Caller
from ..cursors import CursorSigner
from ..errors import ApiError, not_found, responses, validation_details
from ..json_input import parse_json
from ..store import visible
from .deps import Cursors, Db
from .paging import Cursor, Limit
from .records import check_record_keys

router = APIRouter(prefix="/databases/{database_id}/profiles", tags=["profiles"], responses=responses(401, 404, 422))


class ProfilePage(BaseModel):
    items: list[dict[str, Any]] = Field(description="Profiles: standard fields, `fields` (custom), system fields")
    next_cursor: str | None = None


class UpsertBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record: dict[str, JsonValue] = Field(description="Field name → value, as in the upsert stream")
    options: WriteOptions = Field(default_factory=WriteOptions)


class UpsertAnswer(BaseModel):
    outcome: str = Field(description="created, updated or unchanged")
    profile: dict[str, Any]
    ignored_fields: list[str] = Field(
        default_factory=list,
        description="Keys the importer did not write because they are not fields (a field removed meanwhile); "
        "keys that are not fields when the request arrives are refused with 422 instead",
    )


class CountBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: Filter | None = None
    q: str | None = Field(None, max_length=1000, description="Quick search `field:value`")


class CountAnswer(BaseModel):
    count: int = Field(description="How many profiles match (exact)")
    method: Literal["counter", "query"] = Field(
        description="counter: no filter, the database's maintained count (instant); query: the filter was counted "
        "by the database, through an index where the filter allows (equality on email, phones, unique fields)"
    )


class SearchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: Filter | None = None
    q: str | None = Field(None, max_length=1000, description="Quick search `field:value`")
    limit: int = Field(50, ge=1, le=1000)
    cursor: str | None = Field(None, max_length=200)


STORAGE_ONLY = (
    "subscription_keys",
    "last_job_id",
    "last_write",
    "activity_applied",
    "activity_rev",
    "subscription_manager_nonce",
)


def shown(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored profile as the API shows it: `profile_id` instead of `_id`, no storage-only keys."""
    doc = {k: v for k, v in doc.items() if k not in STORAGE_ONLY}
    doc["profile_id"] = doc.pop("_id")
    for flag in ("has_interactions", "suppressed"):  # profiles written before a flag existed lack it: false
        doc.setdefault(flag, False)
    return doc


def filter_error(exc: FilterError) -> ApiError:
    return ApiError(422, "invalid", exc.message, [exc.to_dict()])


async def search(
    db: Any, database: Database, flt: Filter | None, q: str | None, limit: int, cursor: str | None,
    cursors: CursorSigner, cursor_field: str,
) -> ProfilePage:  # fmt: skip
    listing = f"profiles:{database.id}"
    position = cursors.read(listing, cursor, cursor_field)
    try:
        query = to_query(database, flt, q)
    except FilterError as exc:
        raise filter_error(exc) from exc
    if position is not None:
        query = {"$and": [query, {"_id": {"$gt": position}}]} if query else {"_id": {"$gt": position}}
    coll = db[profiles_collection_name(database.id)]
    docs = [d async for d in coll.find(query, batch_size=limit + 1).sort("_id", 1).limit(limit + 1)]
    more = len(docs) > limit
    docs = docs[:limit]
    return ProfilePage(
        items=[shown(d) for d in docs], next_cursor=cursors.sign(listing, docs[-1]["_id"] if more else None)
    )


@router.get("", summary="List profiles: quick search `q=field:value` or `filter=<JSON>`, cursor-paged")
async def list_profiles(
    database_id: str,
    db: Db,
    caller: Caller,
    cursors: Cursors,
    limit: Limit = 50,
    cursor: Cursor = None,
    q: Annotated[str | None, Query(max_length=1000, description="Quick search `field:value`")] = None,
    filter: Annotated[str | None, Query(max_length=100_000, description="Structured filter as JSON")] = None,
) -> ProfilePage:
    database = await visible(db, "databases", Database, database_id, caller)
    flt = None
    if filter:
        try:
            body = SearchBody.model_validate({"filter": parse_json(filter, "query.filter")})
        except ValidationError as exc:
            details = [d | {"field": f"query.{d['field']}"} for d in validation_details(exc.errors())]
            raise ApiError(422, "invalid", "filter is not a valid filter", details) from exc
        flt = body.filter
    return await search(db, database, flt, q, limit, cursor, cursors, "query.cursor")


@router.post("/search", summary="List profiles matching a structured filter (body), cursor-paged")
async def search_profiles(database_id: str, body: SearchBody, db: Db, caller: Caller, cursors: Cursors) -> ProfilePage:
    database = await visible(db, "databases", Database, database_id, caller)
    return await search(db, database, body.filter, body.q, body.limit, body.cursor, cursors, "body.cursor")


@router.post(
    "/count",
    responses=responses(503),
    summary="How many profiles match a filter (all: the maintained count); 503 count_timeout past its time limit",
)
async def count_profiles(request: Request, database_id: str, body: CountBody, db: Db, caller: Caller) -> CountAnswer:
    database = await visible(db, "databases", Database, database_id, caller)
    try:
        query = to_query(database, body.filter, body.q)
    except FilterError as exc:
        raise filter_error(exc) from exc
    if not query:
        counted = await current_count(db, database_id)
        if counted is not None:
            return CountAnswer(count=counted, method="counter")
    limit = request.app.state.settings.count_timeout_seconds
    try:
        total = await db[profiles_collection_name(database_id)].count_documents(query, maxTimeMS=int(limit * 1000))
    except ExecutionTimeout:
        raise ApiError(
            503,
            "count_timeout",
            f"counting the profiles matching this filter took longer than {limit:g}s (COUNT_TIMEOUT_SECONDS); "
            "narrow the filter, or filter on indexed fields (email, phones, unique fields)",
        ) from None
    return CountAnswer(count=total, method="query")


@router.get("/{profile_id}", summary="One profile")
async def get_profile(database_id: str, profile_id: str, db: Db, caller: Caller) -> dict[str, Any]:
    await visible(db, "databases", Database, database_id, caller)
    doc = await db[profiles_collection_name(database_id)].find_one({"_id": profile_id})
    if doc is None:
        raise not_found("profile", profile_id)
    return shown(doc)


def rejected(errors: list[RejectedField]) -> ApiError:
    message = "; ".join(e.message for e in errors) or "the record was rejected"
    return ApiError(422, "invalid", message, [e.model_dump() for e in errors])


@router.put("", responses=responses(413, 504), summary="Create or update one profile (matching and mode as in imports)")
async def upsert_profile(request: Request, database_id: str, body: UpsertBody, db: Db, caller: Caller) -> UpsertAnswer:
    database = await visible(db, "databases", Database, database_id, caller)
    check_record_keys(database, body.record)
    answer = await request.app.state.profiles.upsert(database_id, body.record, body.options)
    if answer.outcome == "rejected" or answer.profile_id is None:
        raise rejected(answer.errors)
    doc = await db[profiles_collection_name(database_id)].find_one({"_id": answer.profile_id})
    profile = shown(doc or {"_id": answer.profile_id})
    return UpsertAnswer(outcome=answer.outcome, profile=profile, ignored_fields=answer.ignored_fields)


@router.delete("/{profile_id}", status_code=204, responses=responses(504), summary="Delete one profile")
async def delete_profile(request: Request, database_id: str, profile_id: str, db: Db, caller: Caller) -> None:
    await visible(db, "databases", Database, database_id, caller)
    answer = await request.app.state.profiles.delete(database_id, profile_id)
    if answer.outcome == "not_found":
        raise not_found("profile", profile_id)
