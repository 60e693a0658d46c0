"""`/databases`: list, create, read, change, clone and delete profile databases."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from profilehub_shared.contracts import schema as ops
from profilehub_shared.contracts.schema_state import Database, Resource, SuppressionList
from profilehub_shared.counts import current_count

from ..auth import Caller, Principal
from ..errors import ApiError, responses
from ..store import model_of, page, visible
from .deps import Cursors, Db, Schema
from .models import CloneRequest, DatabaseChanges, DatabasePage, NewDatabase
from .paging import Cursor, GroupFilter, Limit

router = APIRouter(prefix="/databases", tags=["databases"], responses=responses(401, 422))


async def check_references(db: Any, caller: Principal, list_id: str | None, resource_ids: list[str]) -> None:
    """A group token may attach only its own group's suppression list and resources (existence is the schema
    service's check; this one keeps other groups' objects invisible)."""
    if caller.is_admin:
        return
    refs: list[tuple[str, str, type[SuppressionList] | type[Resource], str]] = (
        [("suppression_list_id", "suppression_lists", SuppressionList, list_id)] if list_id else []
    )
    refs += [("resource_ids", "resources", Resource, rid) for rid in resource_ids]
    for field, collection, cls, object_id in refs:
        try:
            await visible(db, collection, cls, object_id, caller)
        except ApiError as exc:
            raise ApiError(
                422,
                "invalid",
                exc.message,
                [{"field": field, "value": object_id, "code": "not_found", "message": exc.message}],
            ) from None


@router.get("", summary="List databases (filter by name, tag, group, watchers flag)")
async def list_databases(
    db: Db,
    caller: Caller,
    cursors: Cursors,
    name: Annotated[str | None, Query(max_length=200, description="Part of the name, case-insensitive")] = None,
    tag: Annotated[str | None, Query(max_length=200, description="Has this tag")] = None,
    group: GroupFilter = None,
    is_watchers: Annotated[bool | None, Query(description="Watchers databases only (true) or none (false)")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DatabasePage:
    if group is not None and not caller.sees(group):
        return DatabasePage(items=[])
    query: dict[str, Any] = caller.scope("settings.group")
    if group is not None:
        query["settings.group"] = group
    if name:
        query["settings.name"] = {"$regex": re.escape(name), "$options": "i"}
    if tag is not None:
        query["settings.tags"] = tag
    if is_watchers is not None:
        query["settings.is_watchers"] = is_watchers
    docs, last = await page(db.databases, query, limit, cursors.read("databases", cursor))
    return DatabasePage(items=[model_of(Database, d) for d in docs], next_cursor=cursors.sign("databases", last))


@router.post("", status_code=201, responses=responses(409, 504), summary="Create a database")
async def create_database(body: NewDatabase, db: Db, schema: Schema, caller: Caller) -> Database:
    settings = body.model_copy(update={"group": caller.group_for(body.group)})
    await check_references(db, caller, settings.suppression_list_id, settings.resource_ids)
    answer = await schema.apply(ops.CreateDatabase(settings=settings))
    assert answer.database is not None
    return answer.database


class CountedDatabase(Database):
    """A database with its profile count."""

    profile_count: int | None = Field(
        None, description="Exact number of profiles (kept by the importer; null for a database created a moment ago)"
    )


async def counted(db: Any, database: Database) -> CountedDatabase:
    return CountedDatabase(**dict(database), profile_count=await current_count(db, database.id))


@router.get("/{database_id}", responses=responses(404), summary="Get a database, with its profile count")
async def get_database(database_id: str, db: Db, caller: Caller) -> CountedDatabase:
    return await counted(db, await visible(db, "databases", Database, database_id, caller))


@router.patch("/{database_id}", responses=responses(404, 409, 504), summary="Change some settings of a database")
async def update_database(
    database_id: str,
    body: DatabaseChanges,  # type: ignore[valid-type]  # built from DatabaseSettings
    db: Db,
    schema: Schema,
    caller: Caller,
) -> Database:
    current = await visible(db, "databases", Database, database_id, caller)
    changes = body.model_dump(mode="json", exclude_unset=True)  # type: ignore[attr-defined]
    if "group" in changes:
        changes["group"] = caller.group_for(changes["group"])
    if not changes:
        return current
    await check_references(db, caller, changes.get("suppression_list_id"), changes.get("resource_ids") or [])
    answer = await schema.apply(ops.UpdateDatabase(database_id=database_id, changes=changes))
    assert answer.database is not None
    return answer.database


@router.post(
    "/{database_id}/clone",
    status_code=201,
    responses=responses(404, 409, 504),
    summary="Clone the structure (field settings and custom fields) into a new, empty database",
)
async def clone_database(database_id: str, body: CloneRequest, db: Db, schema: Schema, caller: Caller) -> Database:
    await visible(db, "databases", Database, database_id, caller)
    answer = await schema.apply(ops.CloneDatabase(database_id=database_id, name=body.name))
    assert answer.database is not None
    return answer.database


@router.delete(
    "/{database_id}",
    status_code=204,
    responses=responses(404, 409, 504),
    summary="Delete a database and its profiles (refused while profiles have interactions)",
)
async def delete_database(database_id: str, db: Db, schema: Schema, caller: Caller) -> Response:
    await visible(db, "databases", Database, database_id, caller)
    await schema.apply(ops.DeleteDatabase(database_id=database_id))
    return Response(status_code=204)
