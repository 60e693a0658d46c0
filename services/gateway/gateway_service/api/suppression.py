"""`/suppression-lists`: account-level lists of emails, phones and domains that must not be contacted."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from profilehub_shared.contracts import schema as ops
from profilehub_shared.contracts.schema_state import SuppressionList

from ..auth import Caller
from ..bulk import chunks, total
from ..errors import responses
from ..store import listing, object_id_cursor, page, visible
from .deps import Cursors, Db, Schema
from .models import EntriesChange, EntriesChanged, Entry, EntryPage, NamedCreate, SuppressionListPage
from .paging import Cursor, GroupFilter, Limit

router = APIRouter(prefix="/suppression-lists", tags=["suppression lists"], responses=responses(401, 422))


@router.get("", summary="List suppression lists")
async def list_suppression_lists(
    db: Db, caller: Caller, cursors: Cursors, group: GroupFilter = None, limit: Limit = 50, cursor: Cursor = None
) -> SuppressionListPage:
    items, next_cursor = await listing(db, "suppression_lists", SuppressionList, caller, group, limit, cursor, cursors)
    return SuppressionListPage(items=items, next_cursor=next_cursor)


@router.post("", status_code=201, responses=responses(409, 504), summary="Create a suppression list")
async def create_suppression_list(body: NamedCreate, schema: Schema, caller: Caller) -> SuppressionList:
    answer = await schema.apply(ops.CreateSuppressionList(name=body.name, group=caller.group_for(body.group)))
    assert answer.suppression_list is not None
    return answer.suppression_list


@router.get("/{list_id}", responses=responses(404), summary="Get a suppression list with its entry counts")
async def get_suppression_list(list_id: str, db: Db, caller: Caller) -> SuppressionList:
    return await visible(db, "suppression_lists", SuppressionList, list_id, caller)


@router.delete(
    "/{list_id}",
    status_code=204,
    responses=responses(404, 409, 504),
    summary="Delete a suppression list and its entries (refused while a database uses it)",
)
async def delete_suppression_list(list_id: str, db: Db, schema: Schema, caller: Caller) -> Response:
    await visible(db, "suppression_lists", SuppressionList, list_id, caller)
    await schema.apply(ops.DeleteSuppressionList(list_id=list_id))
    return Response(status_code=204)


@router.post(
    "/{list_id}/entries",
    responses=responses(404, 504),
    summary="Add or remove entries in bulk; invalid ones are counted with reasons, the rest applied",
)
async def change_entries(list_id: str, body: EntriesChange, db: Db, schema: Schema, caller: Caller) -> EntriesChanged:
    current = await visible(db, "suppression_lists", SuppressionList, list_id, caller)
    entries = [("emails", v) for v in body.emails] + [("phones", v) for v in body.phones]
    entries += [("domains", v) for v in body.domains]
    counts = []
    for chunk in chunks(entries):
        values: dict[str, list[str]] = {"emails": [], "phones": [], "domains": []}
        for key, value in chunk:
            values[key].append(value)
        answer = await schema.apply(ops.ChangeSuppressionEntries(list_id=list_id, action=body.action, **values))
        current = answer.suppression_list or current
        counts.append(answer.counts or ops.Counts())
    return EntriesChanged(suppression_list=current, counts=total(counts))


@router.get("/{list_id}/entries", responses=responses(404), summary="List the entries, optionally of one kind")
async def list_entries(
    list_id: str,
    db: Db,
    caller: Caller,
    cursors: Cursors,
    kind: Annotated[Literal["email", "phone", "domain"] | None, Query(description="Only entries of this kind")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> EntryPage:
    await visible(db, "suppression_lists", SuppressionList, list_id, caller)
    query = {"list_id": list_id} | ({"kind": kind} if kind else {})
    listing = f"suppression_entries:{list_id}"
    docs, last = await page(db.suppression_entries, query, limit, object_id_cursor(cursors.read(listing, cursor)))
    items = [Entry(kind=d["kind"], value=d["value"]) for d in docs]
    return EntryPage(items=items, next_cursor=cursors.sign(listing, last))
