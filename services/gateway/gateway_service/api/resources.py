"""`/resources`: subscription resources (what profiles subscribe to, on which channels)."""

from fastapi import APIRouter, Response

from profilehub_shared.contracts import schema as ops
from profilehub_shared.contracts.schema_state import Resource

from ..auth import Caller
from ..errors import responses
from ..store import listing, visible
from .deps import Cursors, Db, Schema
from .models import ResourceCreate, ResourcePage
from .paging import Cursor, GroupFilter, Limit

router = APIRouter(prefix="/resources", tags=["resources"], responses=responses(401, 422))


@router.get("", summary="List resources")
async def list_resources(
    db: Db, caller: Caller, cursors: Cursors, group: GroupFilter = None, limit: Limit = 50, cursor: Cursor = None
) -> ResourcePage:
    items, next_cursor = await listing(db, "resources", Resource, caller, group, limit, cursor, cursors)
    return ResourcePage(items=items, next_cursor=next_cursor)


@router.post("", status_code=201, responses=responses(409, 504), summary="Create a resource")
async def create_resource(body: ResourceCreate, schema: Schema, caller: Caller) -> Resource:
    operation = ops.CreateResource(name=body.name, group=caller.group_for(body.group), channels=body.channels)
    answer = await schema.apply(operation)
    assert answer.resource is not None
    return answer.resource


@router.get("/{resource_id}", responses=responses(404), summary="Get a resource")
async def get_resource(resource_id: str, db: Db, caller: Caller) -> Resource:
    return await visible(db, "resources", Resource, resource_id, caller)


@router.delete(
    "/{resource_id}",
    status_code=204,
    responses=responses(404, 409, 504),
    summary="Delete a resource (refused while a database uses it)",
)
async def delete_resource(resource_id: str, db: Db, schema: Schema, caller: Caller) -> Response:
    await visible(db, "resources", Resource, resource_id, caller)
    await schema.apply(ops.DeleteResource(resource_id=resource_id))
    return Response(status_code=204)
