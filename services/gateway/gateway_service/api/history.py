"""Profile history: a profile's or a database's events, by period and type, cursor-paged; history export jobs."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel

from profilehub_shared.contracts.history import HistoryEntry, is_history_type
from profilehub_shared.contracts.jobs import HistoryExportParams
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.history import ORDER, after_cursor, cursor_of, entry_of, history_query

from ..auth import Caller
from ..errors import ApiError, responses
from ..store import visible
from .deps import Db
from .exports import check_columns
from .jobs import Job
from .operations import start_job
from .paging import Cursor, Limit

router = APIRouter(prefix="/databases/{database_id}", tags=["history"], responses=responses(401, 404, 422))

Since = Annotated[AwareDatetime | None, Query(alias="from", description="Events at or after this time (RFC 3339)")]
Until = Annotated[AwareDatetime | None, Query(description="Events before this time (RFC 3339)")]
Types = Annotated[
    str | None,
    Query(max_length=2000, description="Comma-separated event types: send, open, click, …, profile_updated"),
]


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = None


def invalid(field: str, value: str, code: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, [{"field": field, "value": value[:100], "code": code, "message": message}])


def read_types(raw: str | None) -> list[str]:
    types = [t.strip() for t in (raw or "").split(",") if t.strip()]
    for t in types:
        if not is_history_type(t):
            raise invalid(
                "types", t, "unknown_type", f"{t!r} is not a history event type (send, open, profile_updated …)"
            )
    return types


def check_period(since: datetime | None, until: datetime | None) -> None:
    if since and until and since >= until:
        raise invalid("from", since.isoformat(), "empty_period", "from must be before to")


async def page(
    db: Db, database_id: str, profile_id: str | None, since: datetime | None, until: datetime | None,
    types: list[str], limit: int, cursor: str | None,
) -> HistoryPage:  # fmt: skip
    check_period(since, until)
    query = history_query(database_id, profile_id, since, until, types)
    if cursor is not None:
        try:
            query = after_cursor(query, cursor)
        except ValueError as exc:
            raise invalid("cursor", cursor, "invalid_cursor", str(exc)) from exc
    docs = [d async for d in db.history.find(query, batch_size=limit + 1).sort(ORDER).limit(limit + 1)]
    more = len(docs) > limit
    docs = docs[:limit]
    return HistoryPage(items=[entry_of(d) for d in docs], next_cursor=cursor_of(docs[-1]) if more else None)


@router.get("/history", summary="A database's history: changes and interactions of its profiles, oldest first")
async def database_history(
    database_id: str, db: Db, caller: Caller, since: Since = None, to: Until = None, types: Types = None,
    limit: Limit = 100, cursor: Cursor = None,
) -> HistoryPage:  # fmt: skip
    await visible(db, "databases", Database, database_id, caller)
    return await page(db, database_id, None, since, to, read_types(types), limit, cursor)


@router.get("/profiles/{profile_id}/history", summary="A profile's history, oldest first")
async def profile_history(
    database_id: str, profile_id: str, db: Db, caller: Caller, since: Since = None, to: Until = None,
    types: Types = None, limit: Limit = 100, cursor: Cursor = None,
) -> HistoryPage:  # fmt: skip
    """Kept after the profile is deleted: its last entry is then `profile_deleted`."""
    await visible(db, "databases", Database, database_id, caller)
    return await page(db, database_id, profile_id, since, to, read_types(types), limit, cursor)


@router.post("/history/exports", status_code=202, summary="Export history (a profile's or the database's) to a file")
async def export_history(request: Request, database_id: str, body: HistoryExportParams, db: Db, caller: Caller) -> Job:
    """Columns: event_id, profile_id, type, occurred_at, payload (JSON), then `profile_fields` as in exports."""
    database = await visible(db, "databases", Database, database_id, caller)
    for t in body.types:
        read_types(t)
    check_period(body.from_, body.to)
    check_columns(database, body.profile_fields, "profile_fields")
    return await start_job(request, db, database_id, history_export_params=body)
