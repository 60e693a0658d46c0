"""Profile history: a profile's or a database's events, by period and type, cursor-paged; history export jobs."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, AwareDatetime, BaseModel

from profilehub_shared.contracts.history import HISTORY_TYPE_LIST, HistoryEntry, is_history_type
from profilehub_shared.contracts.jobs import HistoryExportParams
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.history import ORDER, after_cursor, cursor_of, entry_of, history_query

from ..auth import Caller
from ..errors import ApiError, responses
from ..store import visible
from .deps import Cursors, Db
from .exports import check_columns
from .jobs import Job
from .operations import start_job
from .paging import Cursor, Limit

router = APIRouter(prefix="/databases/{database_id}", tags=["history"], responses=responses(401, 404, 422))


def in_utc(value: datetime) -> datetime:
    """The time in UTC; a ValueError (422) when it falls outside years 1 to 9999 there (9999-12-31T23:59-14:00)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"out of range: {value.isoformat()} is outside the years 1 to 9999 in UTC") from None


Instant = Annotated[AwareDatetime, AfterValidator(in_utc)]
Since = Annotated[Instant | None, Query(alias="from", description="Events at or after this time (RFC 3339)")]
Until = Annotated[Instant | None, Query(description="Events before this time (RFC 3339)")]
Types = Annotated[
    str | None,
    Query(
        max_length=2000,
        description="Comma-separated event types: send, open, click, …, profile_updated",
        json_schema_extra={"pattern": HISTORY_TYPE_LIST},  # read_types checks each, naming the one refused
    ),
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
    types: list[str], limit: int, cursor: str | None, cursors: Cursors,
) -> HistoryPage:  # fmt: skip
    check_period(since, until)
    query = history_query(database_id, profile_id, since, until, types)
    listing = f"history:{database_id}:{profile_id or ''}"
    if (position := cursors.read(listing, cursor)) is not None:
        try:
            query = after_cursor(query, position)
        except ValueError as exc:
            raise invalid("query.cursor", position, "invalid_cursor", str(exc)) from exc
    docs = [d async for d in db.history.find(query, batch_size=limit + 1).sort(ORDER).limit(limit + 1)]
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = cursors.sign(listing, cursor_of(docs[-1]) if more else None)
    return HistoryPage(items=[entry_of(d) for d in docs], next_cursor=next_cursor)


@router.get("/history", summary="A database's history: changes and interactions of its profiles, oldest first")
async def database_history(
    database_id: str, db: Db, caller: Caller, cursors: Cursors, since: Since = None, to: Until = None,
    types: Types = None, limit: Limit = 100, cursor: Cursor = None,
) -> HistoryPage:  # fmt: skip
    await visible(db, "databases", Database, database_id, caller)
    return await page(db, database_id, None, since, to, read_types(types), limit, cursor, cursors)


@router.get("/profiles/{profile_id}/history", summary="A profile's history, oldest first")
async def profile_history(
    database_id: str, profile_id: str, db: Db, caller: Caller, cursors: Cursors, since: Since = None,
    to: Until = None, types: Types = None, limit: Limit = 100, cursor: Cursor = None,
) -> HistoryPage:  # fmt: skip
    """Kept after the profile is deleted: its last entry is then `profile_deleted`."""
    await visible(db, "databases", Database, database_id, caller)
    return await page(db, database_id, profile_id, since, to, read_types(types), limit, cursor, cursors)


@router.post(
    "/history/exports",
    status_code=202,
    responses=responses(413),
    summary="Export history (a profile's or the database's) to a file",
)
async def export_history(request: Request, database_id: str, body: HistoryExportParams, db: Db, caller: Caller) -> Job:
    """Columns: event_id, profile_id, type, occurred_at, payload (JSON), then `profile_fields` as in exports."""
    database = await visible(db, "databases", Database, database_id, caller)
    for t in body.types:
        read_types(t)
    for name, value in (("from", body.from_), ("to", body.to)):
        try:
            value and in_utc(value)
        except ValueError as exc:
            raise invalid(name, value.isoformat() if value else "", "out_of_range", str(exc)) from None
    check_period(body.from_, body.to)
    check_columns(database, body.profile_fields, "profile_fields")
    return await start_job(request, db, database_id, history_export_params=body)
